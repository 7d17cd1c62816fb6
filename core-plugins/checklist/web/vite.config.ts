import { pacaPluginWebConfig } from '@paca/plugin-sdk/web/vite';

export default pacaPluginWebConfig(import.meta.dirname);
