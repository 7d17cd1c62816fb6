// The benchmark's data, made through the public API like the other scenarios: one project with a
// few tasks, an API key for the admin (the driver's writes), and a handful of USERs who are
// Viewers of the project, each with one API key that its share of the sockets connects with.
import { io } from 'socket.io-client';
import { request } from './driver.mjs';
import { ADMIN_PASSWORD, ADMIN_USERNAME, api, createUser, login } from '../lib/scenarios.mjs';

async function apiKey(kernelUrl, token, name) {
  return (await api(kernelUrl, 'POST', '/api/v1/users/me/api-keys', { token, body: { name } })).data.key;
}

async function inBatches(count, size, make) {
  const out = [];
  for (let i = 0; i < count; i += size) out.push(...await Promise.all(Array.from({ length: Math.min(size, count - i) }, (_, j) => make(i + j))));
  return out;
}

export async function seed(kernelUrl, { users, tasks }) {
  const adminToken = await login(kernelUrl, ADMIN_USERNAME, ADMIN_PASSWORD);
  const adminKey = await apiKey(kernelUrl, adminToken, 'bench-realtime-driver');
  const project = (await api(kernelUrl, 'POST', '/api/v1/projects', { token: adminToken, body: { name: `Realtime fan-out ${Date.now() % 100000}` } })).data;
  const taskIds = [];
  for (let i = 0; i < tasks; i++) {
    taskIds.push((await api(kernelUrl, 'POST', `/api/v1/projects/${project.id}/tasks`, { token: adminToken, body: { title: `Watched task ${i + 1}` } })).data.id);
  }
  const roles = (await api(kernelUrl, 'GET', `/api/v1/projects/${project.id}/roles`, { token: adminToken })).data.items;
  const viewer = roles.find((r) => r.name === 'Viewer');
  if (!viewer) throw new Error('the project has no Viewer role');
  // Four at a time: each user costs a few argon2id hashes (creation, login, password change).
  const userKeys = await inBatches(users, 4, async (i) => {
    const user = await createUser(kernelUrl, adminToken, 'bench_rt_');
    const me = (await api(kernelUrl, 'GET', '/api/v1/users/me', { token: user.token })).data;
    await api(kernelUrl, 'POST', `/api/v1/projects/${project.id}/members`, { token: adminToken, body: { user_id: me.id, role_ids: [viewer.id] } });
    return apiKey(kernelUrl, user.token, `bench-realtime-${i}`);
  });
  return { projectId: project.id, taskIds, adminKey, userKeys };
}

/** The `description` a measured change writes: the worker reads the run tag, index and send time back. */
export const changeDescription = (tag, index, sentAt) => `rt ${tag} ${index} ${sentAt}`;

export function patchTask(kernelUrl, { projectId, taskIds, adminKey }, index, description) {
  return request(`${kernelUrl}/api/v1/projects/${projectId}/tasks/${taskIds[index % taskIds.length]}`, {
    method: 'PATCH',
    headers: { 'x-api-key': adminKey, 'content-type': 'application/json' },
    body: JSON.stringify({ description }),
  });
}

/**
 * Joins as one Viewer on `socketUrl`, changes a task through `patchUrl` and returns the
 * `task.updated` the socket receives: it checks that a Viewer's socket on that node gets task
 * updates made on node 1, and gives the baseline its message template.
 */
export async function probeEvent(socketUrl, data, patchUrl = socketUrl) {
  const socket = io(socketUrl, { path: '/ws/socket.io', transports: ['websocket'], forceNew: true, reconnection: false, auth: { token: data.userKeys[0] } });
  try {
    await new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', (error) => reject(new Error(`probe socket refused: ${error.data?.code ?? error.message}`)));
    });
    const ack = await socket.timeout(10_000).emitWithAck('join', { projectId: data.projectId });
    if (!ack.ok) throw new Error(`probe join refused: ${ack.error_code}`);
    const description = changeDescription('probe', 0, Date.now());
    const received = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the probe socket received no task.updated within 10 s')), 10_000);
      socket.on('event', (event) => {
        if (event.type === 'task.updated' && event.payload?.task?.description === description) {
          clearTimeout(timer);
          resolve(event);
        }
      });
    });
    const response = await patchTask(patchUrl, data, 0, description);
    if (response.status !== 200) throw new Error(`probe PATCH → ${response.status} ${response.body.slice(0, 300)}`);
    return await received;
  } finally {
    socket.disconnect();
  }
}
