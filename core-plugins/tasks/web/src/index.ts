// The tasks plugin's web module: the names here are the `component`s of plugin.json's web slots.
import './style.css';

export { default as TasksPage } from './views/TasksPage.vue';
export { default as BoardView } from './views/BoardView.vue';
export { default as TableView } from './views/TableView.vue';
export { default as TaskDetail } from './detail/TaskDetail.vue';
export { default as TaskTypesSettings } from './settings/TaskTypesSettings.vue';
export { default as StatusesSettings } from './settings/StatusesSettings.vue';
export { default as CustomFieldsSettings } from './settings/CustomFieldsSettings.vue';
