import { createRouter, createWebHistory, type RouteLocationNormalized, type RouteRecordRaw } from 'vue-router';
import { useSession } from './stores/session.js';

const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/home' },
  { path: '/login', name: 'login', component: () => import('./pages/LoginPage.vue'), meta: { public: true } },
  { path: '/change-password', name: 'change-password', component: () => import('./pages/ChangePasswordPage.vue'), meta: { pendingPasswordChange: true } },
  {
    path: '/',
    component: () => import('./components/AppFrame.vue'),
    children: [
      { path: 'home', name: 'home', component: () => import('./pages/HomePage.vue') },
      { path: 'profile', name: 'profile', component: () => import('./pages/ProfilePage.vue') },
      { path: 'profile/api-keys', name: 'api-keys', component: () => import('./pages/ApiKeysPage.vue') },
      {
        path: 'admin',
        component: () => import('./admin/AdminFrame.vue'),
        children: [
          { path: '', redirect: '/admin/users' },
          { path: 'users', name: 'admin-users', component: () => import('./admin/UsersPage.vue') },
          { path: 'roles', name: 'admin-roles', component: () => import('./admin/RolesPage.vue') },
          { path: 'plugins', name: 'admin-plugins', component: () => import('./admin/PluginsPage.vue') },
          { path: 'p/:slug', name: 'admin-plugin-page', component: () => import('./admin/AdminPluginPage.vue') },
        ],
      },
      { path: 'w/:slug/:path(.*)*', name: 'workspace-plugin-page', component: () => import('./pages/WorkspacePluginPage.vue') },
      {
        path: 'projects/:projectId',
        component: () => import('./project/ProjectFrame.vue'),
        children: [
          { path: '', name: 'project-home', component: () => import('./project/ProjectHome.vue') },
          { path: 'tasks/:taskId', name: 'task', component: () => import('./project/TaskPage.vue') },
          { path: 'settings/:tab?', name: 'project-settings', component: () => import('./project/ProjectSettings.vue') },
          { path: ':slug/:path(.*)*', name: 'project-page', component: () => import('./project/ProjectPluginPage.vue') },
        ],
      },
    ],
  },
  { path: '/:rest(.*)*', name: 'not-found', component: () => import('./pages/NotFoundPage.vue'), meta: { public: true } },
];

function prefetchComponents(records: RouteLocationNormalized['matched']): void {
  for (const record of records) {
    const component = record.components?.default;
    // A lazy component is a loader function (a component object or constructor has a name/setup).
    if (typeof component === 'function' && !('__vccOpts' in component) && component.length === 0) {
      void (component as () => Promise<unknown>)().catch(() => undefined);
    }
  }
}

export function createShellRouter() {
  const router = createRouter({ history: createWebHistory(), routes });
  router.beforeEach(async (to) => {
    const session = useSession();
    if (!session.checked) {
      // vue-router fetches a page's lazy components only after the guards: on the first
      // navigation, fetch them while the session is checked instead of after it.
      prefetchComponents(to.matched);
      await session.load();
    }
    if (to.meta.public) return to.name === 'login' && session.user && !session.mustChangePassword ? '/home' : true;
    if (!session.user) return { name: 'login', query: to.fullPath !== '/home' ? { next: to.fullPath } : {} };
    if (session.mustChangePassword && !to.meta.pendingPasswordChange) return { name: 'change-password', query: { next: to.fullPath } };
    return true;
  });
  return router;
}
