// The sprints plugin's web module: the names here are the `component`s of plugin.json's web slots.
import './style.css';

export { default as BacklogPage } from './BacklogPage.vue';
export { default as SprintsPage } from './SprintsPage.vue';
