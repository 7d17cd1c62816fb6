// The checklist plugin's web module: the names here are the `component`s of plugin.json's web slots.
import './style.css';

export { default as ChecklistPanel } from './ChecklistPanel.vue';
