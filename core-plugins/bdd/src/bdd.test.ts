import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadPlugin, type PluginHarness } from '../../../plugin-sdk/src/testing/wasm-harness.fixture.js';

/*
 * The BDD plugin's guest, built from its AssemblyScript source and run in Extism against an
 * in-memory host: scenarios as steps or Gherkin text, the structure rules, the .feature export,
 * activity, events and the task.deleted cleanup.
 */

const PLUGIN_DIR = fileURLToPath(new URL('..', import.meta.url));

let h: PluginHarness;

beforeAll(async () => {
  h = await loadPlugin(PLUGIN_DIR);
});

afterAll(async () => {
  await h?.close();
});

beforeEach(() => {
  h.host.calls.length = 0;
  h.host.refusals = {};
});

let taskNumber = 0;

function newTask(title = 'Sign in'): { id: string; key: string } {
  const id = randomUUID();
  const key = `PACA-${++taskNumber}`;
  h.host.tasks.set(id, { id, key, title });
  return { id, key };
}

const SIGN_IN = {
  title: 'Sign in with a valid password',
  steps: [
    { keyword: 'Given', text: 'a registered user' },
    { keyword: 'And', text: 'they are signed out' },
    { keyword: 'When', text: 'they sign in with their password' },
    { keyword: 'Then', text: 'they see their projects' },
    { keyword: 'But', text: 'not the admin area' },
  ],
};

async function create(taskId: string, body: unknown) {
  return h.request('scenarios.create', { params: { taskId }, body });
}

async function created(taskId: string, body: unknown = SIGN_IN) {
  const outcome = await create(taskId, body);
  expect(outcome.status).toBe(201);
  return outcome.body as { id: string; title: string; position: number; steps: Array<{ keyword: string; text: string }> };
}

function mark() {
  return { activity: h.host.activity.length, events: h.host.events.length };
}

function announced(since: { activity: number; events: number }) {
  return { activity: h.host.activity.slice(since.activity), events: h.host.events.slice(since.events) };
}

const invalid = (...problems: string[]) => ({ status: 422, body: { code: 'BDD_INVALID_SCENARIO', message: `invalid scenario: ${problems.join('; ')}` } });
const malformed = (message: string) => ({ status: 422, body: { code: 'VALIDATION_FAILED', message } });

describe('scenarios', () => {
  it('creates a scenario from steps, lists the task\'s scenarios in order and announces it', async () => {
    const task = newTask();
    const before = mark();
    const outcome = await create(task.id, SIGN_IN);
    expect(outcome).toEqual({ status: 201, body: { id: expect.any(String), task_id: task.id, title: SIGN_IN.title, position: 0, steps: SIGN_IN.steps } });
    expect(h.host.calls[0]).toEqual({ fn: 'tasks.get', args: { task_id: task.id } });
    expect(announced(before)).toEqual({
      activity: [{ action: 'scenario_created', task_id: task.id, content: `Added scenario "${SIGN_IN.title}"` }],
      events: [{ type: 'bdd.scenario.created', payload: { task_id: task.id, scenario_id: outcome.body.id, title: SIGN_IN.title, step_count: 5 } }],
    });

    const second = await created(task.id, { ...SIGN_IN, title: 'Wrong password' });
    const first = await created(task.id, { ...SIGN_IN, title: 'Comes first', position: 0 });
    expect(first.position).toBe(0);
    const list = await h.request('scenarios.list', { params: { taskId: task.id } });
    expect(list.body.items.map((s: { title: string; position: number }) => [s.title, s.position]))
      .toEqual([['Comes first', 0], [SIGN_IN.title, 1], ['Wrong password', 2]]);
    expect(await h.request('scenarios.get', { params: { taskId: task.id, scenarioId: second.id } }))
      .toMatchObject({ status: 200, body: { id: second.id, title: 'Wrong password', position: 2 } });
  });

  it('reads a scenario written in Gherkin: comments, blank lines, CRLF, any keyword case, Example:', async () => {
    const task = newTask();
    const gherkin = [
      '# acceptance for PACA-1',
      '',
      'Scenario: Reset a forgotten password  ',
      '  Given a user who forgot their password',
      '  and they asked for a reset link',
      '',
      '  WHEN they open the link',
      '  Then they can choose a new password ✓',
      '  # not yet: expiry',
    ].join('\r\n');
    expect(await create(task.id, { gherkin })).toMatchObject({
      status: 201,
      body: {
        title: 'Reset a forgotten password',
        steps: [
          { keyword: 'Given', text: 'a user who forgot their password' },
          { keyword: 'And', text: 'they asked for a reset link' },
          { keyword: 'When', text: 'they open the link' },
          { keyword: 'Then', text: 'they can choose a new password ✓' },
        ],
      },
    });
    expect(await create(task.id, { gherkin: 'Example: Synonym\nGiven a\nWhen b\nThen c' })).toMatchObject({ status: 201, body: { title: 'Synonym' } });
  });

  it('changes the title, the steps, the whole scenario or its position, announcing real changes only', async () => {
    const task = newTask();
    const scenario = await created(task.id);
    const other = await created(task.id, { ...SIGN_IN, title: 'Other' });
    const params = { taskId: task.id, scenarioId: scenario.id };

    let before = mark();
    expect(await h.request('scenarios.update', { params, body: { title: 'Signed in' } }))
      .toMatchObject({ status: 200, body: { title: 'Signed in', steps: SIGN_IN.steps, position: 0 } });
    expect(announced(before)).toEqual({
      activity: [{ action: 'scenario_updated', task_id: task.id, content: 'Changed scenario "Signed in"', changes: [{ field: 'title', old: SIGN_IN.title, new: 'Signed in' }] }],
      events: [{
        type: 'bdd.scenario.updated',
        payload: { task_id: task.id, scenario_id: scenario.id, title: 'Signed in', step_count: 5, changes: [{ field: 'title', old: SIGN_IN.title, new: 'Signed in' }] },
      }],
    });

    const steps = [{ keyword: 'Given', text: 'a user' }, { keyword: 'When', text: 'they sign in' }, { keyword: 'Then', text: 'it works' }];
    before = mark();
    expect(await h.request('scenarios.update', { params, body: { steps } })).toMatchObject({ body: { title: 'Signed in', steps } });
    expect(announced(before).activity[0]!.changes).toEqual([{ field: 'steps', old: SIGN_IN.steps, new: steps }]);

    expect(await h.request('scenarios.update', { params, body: { gherkin: 'Scenario: Replaced\n Given x\n When y\n Then z' } })).toMatchObject({
      body: { title: 'Replaced', steps: [{ keyword: 'Given', text: 'x' }, { keyword: 'When', text: 'y' }, { keyword: 'Then', text: 'z' }] },
    });

    before = mark();
    expect(await h.request('scenarios.update', { params, body: { position: 1 } })).toMatchObject({ body: { title: 'Replaced', position: 1 } });
    expect(announced(before).activity).toEqual([
      { action: 'scenario_moved', task_id: task.id, content: 'Moved scenario "Replaced" to place 2', changes: [{ field: 'position', old: 0, new: 1 }] },
    ]);
    const list = await h.request('scenarios.list', { params: { taskId: task.id } });
    expect(list.body.items.map((s: { id: string }) => s.id)).toEqual([other.id, scenario.id]);

    before = mark();
    expect(await h.request('scenarios.update', { params, body: { title: 'Replaced', position: 1 } })).toMatchObject({ status: 200 });
    expect(announced(before)).toEqual({ activity: [], events: [] });

    // The result of a partial update must still be a valid scenario; nothing is written otherwise.
    expect(await h.request('scenarios.update', { params, body: { steps: [{ keyword: 'Given', text: 'only this' }] } }))
      .toEqual(invalid('no When step', 'no Then step'));
    expect(await h.request('scenarios.get', { params })).toMatchObject({ body: { title: 'Replaced', steps: { length: 3 } } });
    expect(await h.request('scenarios.update', { params, body: { position: 2 } })).toEqual(malformed('position must be from 0 to 1'));
    expect(await h.request('scenarios.update', { params, body: {} })).toEqual(malformed('give title, steps, gherkin or position to change'));
  });

  it('deletes a scenario', async () => {
    const task = newTask();
    const scenario = await created(task.id);
    const before = mark();
    expect(await h.request('scenarios.delete', { params: { taskId: task.id, scenarioId: scenario.id } })).toEqual({ status: 204, body: null });
    expect(announced(before)).toEqual({
      activity: [{ action: 'scenario_deleted', task_id: task.id, content: `Deleted scenario "${SIGN_IN.title}"` }],
      events: [{ type: 'bdd.scenario.deleted', payload: { task_id: task.id, scenario_id: scenario.id, title: SIGN_IN.title } }],
    });
    expect(await h.request('scenarios.get', { params: { taskId: task.id, scenarioId: scenario.id } }))
      .toEqual({ status: 404, body: { code: 'BDD_SCENARIO_NOT_FOUND', message: `scenario ${scenario.id} not found` } });
  });
});

describe('Gherkin structure', () => {
  it('needs a Given, a When and a Then in that order, with And and But continuing a step', async () => {
    const task = newTask();
    const steps = (...pairs: string[]) => pairs.map((pair) => {
      const [keyword, text] = pair.split(':') as [string, string];
      return { keyword, text };
    });
    const check = (list: Array<{ keyword: string; text: string }>, title = 'T') => create(task.id, { title, steps: list });

    expect(await check(steps('When:b', 'Then:c'))).toEqual(invalid('no Given step'));
    expect(await check(steps('Given:a', 'Then:c'))).toEqual(invalid('no When step'));
    expect(await check(steps('Given:a', 'When:b'))).toEqual(invalid('no Then step'));
    expect(await check([])).toEqual(invalid('the scenario has no steps; it needs a Given, a When and a Then'));
    expect(await check(steps('And:a', 'Given:a', 'When:b', 'Then:c'))).toEqual(invalid('step 1 (And) continues a step before it; start with Given'));
    expect(await check(steps('Given:a', 'When:b', 'Given:again', 'Then:c'))).toEqual(invalid('step 3 (Given) comes after When; steps go Given, then When, then Then'));
    expect(await check(steps('Given:a', 'When:b', 'Then:c', 'When:d'))).toEqual(invalid('step 4 (When) comes after Then; steps go Given, then When, then Then'));
    expect(await check(steps('Given:a', 'But:not b', 'When:b', 'And:b2', 'Then:c', 'And:d', 'But:e'))).toMatchObject({ status: 201 });
    expect(await check(steps('Given:a', 'When:b', 'Then:c'), '  ')).toEqual(invalid('the title is empty'));
  });

  it('refuses empty, multi-line and over-long texts and too many steps, naming every problem', async () => {
    const task = newTask();
    const outcome = await create(task.id, {
      title: 'x'.repeat(201),
      steps: [{ keyword: 'Given', text: ' ' }, { keyword: 'When', text: 'line one\nline two' }, { keyword: 'Then', text: 'y'.repeat(301) }],
    });
    expect(outcome).toEqual(invalid(
      'the title is longer than 200 characters', 'step 1 (Given) has no text', 'step 2 (When) must be a single line', 'step 3 (Then) is longer than 300 characters',
    ));
    expect(await create(task.id, { title: 'two\nlines', steps: SIGN_IN.steps })).toEqual(invalid('the title must be a single line'));
    const many = [{ keyword: 'Given', text: 'a' }, { keyword: 'When', text: 'b' }, ...Array.from({ length: 24 }, () => ({ keyword: 'Then', text: 'c' }))];
    expect(await create(task.id, { title: 'Long', steps: many })).toEqual(invalid('a scenario has at most 25 steps, not 26'));
    // Characters are counted as people count them: 300 emoji are 300 characters.
    expect(await create(task.id, { title: '🥒'.repeat(200), steps: [{ keyword: 'Given', text: '🥒'.repeat(300) }, ...SIGN_IN.steps.slice(2)] })).toMatchObject({ status: 201 });

    const problems = Array.from({ length: 12 }, () => ({ keyword: 'Given', text: '' }));
    const capped = await create(task.id, { title: 'Empty', steps: problems });
    expect(capped.body.message).toMatch(/^invalid scenario: step 1 \(Given\) has no text; .*step 10 \(Given\) has no text; and 4 more$/);
  });

  it('refuses Gherkin it does not store, with the line', async () => {
    const task = newTask();
    const gherkin = (text: string) => create(task.id, { gherkin: text });
    expect(await gherkin('Feature: Sign in\n  Scenario: A\n    Given a\n    When b\n    Then c'))
      .toEqual(invalid('line 1: Feature: is not needed; the task is the feature, send the Scenario only'));
    expect(await gherkin('@smoke\nScenario: A\nGiven a\nWhen b\nThen c')).toEqual(invalid('line 1: tags are not supported'));
    expect(await gherkin('Scenario Outline: A <n>\nGiven a\nWhen b\nThen c\nExamples:\n| n |'))
      .toEqual(invalid('line 1: scenario outlines with examples are not supported; write one scenario per example'));
    expect(await gherkin('Background:\n Given a')).toEqual(invalid('line 1: Background: is not supported; put its steps in the scenario as Given steps'));
    expect(await gherkin('Scenario: A\nGiven a table\n| a | b |\nWhen b\nThen c')).toEqual(invalid('line 3: data tables are not supported; put the values in the step text'));
    expect(await gherkin('Scenario: A\nGiven a text\n"""\nbody\n"""')).toEqual(invalid('line 3: doc strings are not supported; put the text in the step'));
    expect(await gherkin('Scenario: A\nGiven a\n* b')).toEqual(invalid('line 3: use Given, When, Then, And or But instead of *'));
    expect(await gherkin('Scenario: A\nGiven a\nWhen b\nThen c\n\nScenario: B\nGiven a')).toEqual(invalid('line 6: a second scenario; send one scenario per request'));
    expect(await gherkin('Given a\nWhen b\nThen c')).toEqual(invalid('line 1: expected "Scenario:" and a title before the steps'));
    expect(await gherkin('Scenario: A\nGiven a\nWhereas b')).toEqual(invalid('line 3: expected a step starting with Given, When, Then, And or But'));
    expect(await gherkin('\n# only a comment\n')).toEqual(invalid('expected "Scenario:" and a title, then the steps'));
    expect(await gherkin('Scenario:\nGiven a\nWhen b\nThen c')).toEqual(invalid('the title is empty'));
    expect(await gherkin('Scenario: A\nGiven a\nThen c')).toEqual(invalid('no When step'));
    expect(await gherkin('x'.repeat(20001))).toEqual(invalid('the Gherkin text is longer than 20000 characters'));
  });

  it('refuses a body of the wrong shape with VALIDATION_FAILED naming the field', async () => {
    const task = newTask();
    expect(await create(task.id, null)).toEqual(malformed('the body must be a JSON object'));
    expect(await create(task.id, { title: 'T' })).toEqual(malformed('give title and steps, or gherkin'));
    expect(await create(task.id, { ...SIGN_IN, gherkin: 'Scenario: A' })).toEqual(malformed('send either gherkin or title and steps, not both'));
    expect(await create(task.id, { title: 7, steps: SIGN_IN.steps })).toEqual(malformed('title must be a string'));
    expect(await create(task.id, { title: 'T', steps: 'Given a' })).toEqual(malformed('steps must be an array'));
    expect(await create(task.id, { title: 'T', steps: [SIGN_IN.steps[0], { keyword: 'When' }] })).toEqual(malformed('steps[1] must be an object with a keyword and a text'));
    expect(await create(task.id, { gherkin: 42 })).toEqual(malformed('gherkin must be a string'));
    expect(await create(task.id, { ...SIGN_IN, position: -1 })).toEqual(malformed('position must be a whole number from 0'));
    expect(await create(task.id, { ...SIGN_IN, position: 1 })).toEqual(malformed('position must be from 0 to 0'));
  });
});

describe('.feature export', () => {
  it('writes the task\'s scenarios as a Gherkin document named and tagged after the task', async () => {
    const task = newTask('Sign in\nwith SSO');
    await created(task.id);
    await created(task.id, { gherkin: 'Scenario: Wrong password\n  given a registered user\n  when they sign in with another password\n  then they see "wrong password"' });
    const feature = await h.request('feature.export', { params: { taskId: task.id } });
    expect(feature).toEqual({
      status: 200,
      body: {
        feature_name: 'Sign in with SSO',
        file_name: `${task.key}.feature`,
        scenario_count: 2,
        content: [
          `@${task.key}`,
          'Feature: Sign in with SSO',
          '',
          '  Scenario: Sign in with a valid password',
          '    Given a registered user',
          '    And they are signed out',
          '    When they sign in with their password',
          '    Then they see their projects',
          '    But not the admin area',
          '',
          '  Scenario: Wrong password',
          '    Given a registered user',
          '    When they sign in with another password',
          '    Then they see "wrong password"',
          '',
        ].join('\n'),
      },
    });

    // Each exported scenario reads back as the same scenario.
    const blocks = (feature.body.content as string).split('\n\n').slice(1);
    const list = await h.request('scenarios.list', { params: { taskId: task.id } });
    for (const [i, block] of blocks.entries()) {
      const again = await created(newTask().id, { gherkin: block });
      expect({ title: again.title, steps: again.steps }).toEqual({ title: list.body.items[i].title, steps: list.body.items[i].steps });
    }
  });

  it('exports a feature without scenarios for a task that has none', async () => {
    const task = newTask('Empty');
    expect(await h.request('feature.export', { params: { taskId: task.id } })).toEqual({
      status: 200, body: { feature_name: 'Empty', file_name: `${task.key}.feature`, scenario_count: 0, content: `@${task.key}\nFeature: Empty\n` },
    });
  });
});

describe('refusals', () => {
  it('answers 404 TASK_NOT_FOUND for a task the project does not have, reads and export included', async () => {
    const taskId = randomUUID();
    const notFound = { status: 404, body: { code: 'TASK_NOT_FOUND', message: 'task not found' } };
    const before = mark();
    expect(await h.request('scenarios.list', { params: { taskId } })).toEqual(notFound);
    expect(await create(taskId, SIGN_IN)).toEqual(notFound);
    expect(await h.request('feature.export', { params: { taskId } })).toEqual(notFound);
    expect(announced(before)).toEqual({ activity: [], events: [] });
  });

  it('answers 404 for a scenario of another task', async () => {
    const theirs = await created(newTask().id);
    const mine = newTask();
    expect(await h.request('scenarios.update', { params: { taskId: mine.id, scenarioId: theirs.id }, body: { title: 'Taken' } }))
      .toEqual({ status: 404, body: { code: 'BDD_SCENARIO_NOT_FOUND', message: `scenario ${theirs.id} not found` } });
    expect(await h.request('scenarios.delete', { params: { taskId: mine.id, scenarioId: theirs.id } })).toMatchObject({ status: 404 });
  });

  it('caps a task at 50 scenarios', async () => {
    const task = newTask();
    for (let i = 0; i < 50; i++) await created(task.id, { ...SIGN_IN, title: `Scenario ${i}` });
    expect(await create(task.id, SIGN_IN)).toEqual({ status: 422, body: { code: 'BDD_SCENARIO_LIMIT_REACHED', message: 'a task holds at most 50 scenarios' } });
  });

  it('passes a refused host call on with its code, and the call\'s writes are dropped', async () => {
    const task = newTask();
    h.host.refusals = { 'events.emit': { code: 'PLUGIN_EVENT_UNDECLARED', message: 'bdd.scenario.created is not declared in plugin.json' } };
    expect(await create(task.id, SIGN_IN)).toEqual({ status: 500, body: { code: 'PLUGIN_EVENT_UNDECLARED', message: 'bdd.scenario.created is not declared in plugin.json' } });
    h.host.refusals = {};
    expect(await h.request('scenarios.list', { params: { taskId: task.id } })).toEqual({ status: 200, body: { items: [] } });
  });
});

describe('task.deleted', () => {
  it('removes the deleted task\'s scenarios, and only those, once', async () => {
    const task = newTask();
    for (let i = 0; i < 3; i++) await created(task.id, { ...SIGN_IN, title: `S${i}` });
    const other = newTask();
    const kept = await created(other.id);
    const before = mark();
    expect(await h.event('task-cleanup', { id: 11, type: 'task.deleted', payload: { task_id: task.id, task_number: 1 } })).toBeNull();
    expect([...h.host.collection('scenarios').values()].filter((s) => s.task_id === task.id)).toEqual([]);
    expect(announced(before)).toEqual({ activity: [], events: [] });
    const list = await h.request('scenarios.list', { params: { taskId: other.id } });
    expect(list.body.items.map((s: { id: string }) => s.id)).toEqual([kept.id]);

    h.host.calls.length = 0;
    expect(await h.event('task-cleanup', { id: 11, type: 'task.deleted', payload: { task_id: task.id, task_number: 1 } })).toBeNull();
    expect(h.host.calls.map((c) => c.fn)).toEqual(['collections.query']);
  });
});
