// The docs plugin's web module: the names here are the `component`s of plugin.json's web slots.
import './style.css';

export { default as DocsPage } from './DocsPage.vue';
