import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { applyTheme } from './lib/theme.js';
import { createShellRouter } from './router.js';
import './styles/app.css';

applyTheme();
const app = createApp(App);
app.use(createPinia());
app.use(createShellRouter());
app.mount('#app');
