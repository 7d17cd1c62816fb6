import { ApiError, type CurrentUser } from '@paca/plugin-sdk/web';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api, onSignedOut } from '../lib/api.js';

const SIGNED_IN = 'paca.signed-in';

/** Who is signed in, and the platform actions they hold (admin pages, project creation). */
export const useSession = defineStore('shell.session', () => {
  const user = ref<CurrentUser | null>(null);
  const globalActions = ref<ReadonlySet<string>>(new Set());
  /** True once we asked the server who we are (signed in or not). */
  const checked = ref(false);
  const mustChangePassword = computed(() => user.value?.must_change_password === true);

  async function loadActions(): Promise<void> {
    const { actions } = await api.get<{ actions: string[] }>('/users/me/global-permissions');
    globalActions.value = new Set(actions);
  }

  async function load(): Promise<void> {
    // The session cookie is HttpOnly; a hint kept beside it spares a signed-out visitor a 401.
    if (localStorage.getItem(SIGNED_IN) !== '1') {
      checked.value = true;
      return;
    }
    try {
      user.value = await api.get<CurrentUser>('/users/me');
      if (!user.value.must_change_password) await loadActions();
    } catch (error) {
      if (error instanceof ApiError && error.code === 'AUTH_PASSWORD_CHANGE_REQUIRED') {
        user.value = { ...(user.value ?? { id: '', username: '', full_name: '' }), must_change_password: true } as CurrentUser;
      } else if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        user.value = null;
        localStorage.removeItem(SIGNED_IN);
      } else {
        throw error;
      }
    } finally {
      checked.value = true;
    }
  }

  async function login(username: string, password: string, rememberMe: boolean): Promise<CurrentUser> {
    const session = await api.post<{ user: CurrentUser }>('/auth/login', { username, password, remember_me: rememberMe });
    user.value = session.user;
    localStorage.setItem(SIGNED_IN, '1');
    if (!session.user.must_change_password) await load();
    return session.user;
  }

  async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
    const session = await api.patch<{ user: CurrentUser }>('/users/me/password', { current_password: currentPassword, new_password: newPassword });
    user.value = session.user;
    await load();
  }

  async function logout(): Promise<void> {
    await api.post('/auth/logout', {}).catch(() => undefined);
    localStorage.removeItem(SIGNED_IN);
    user.value = null;
    globalActions.value = new Set();
  }

  const can = (action: string) => globalActions.value.has(action);
  onSignedOut(() => {
    localStorage.removeItem(SIGNED_IN);
    user.value = null;
  });

  return { user, globalActions, checked, mustChangePassword, load, login, changePassword, logout, can };
});
