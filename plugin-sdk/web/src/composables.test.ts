import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { defineComponent, h, KeepAlive, ref } from 'vue';
// From the built module, as plugins use them (one copy of the context's injection key).
import { useCommands, useShortcuts } from '@paca/plugin-sdk/web';
import { createTestSlotContext, withSlotContext } from '@paca/plugin-sdk/web/testing';

// A view kept alive by <KeepAlive> while another is shown must not answer keys or offer commands;
// shown again, it takes them back once, and unmounting lets go for good.
const view = (name: string) => defineComponent({
  name,
  setup() {
    useShortcuts([{ keys: 'ArrowDown', description: `${name}: next`, run: () => undefined }]);
    useCommands([{ id: `${name}.refresh`, title: `Refresh ${name}`, run: () => undefined }]);
    return () => h('p', name);
  },
});
const Board = view('board');
const Table = view('table');

describe('useShortcuts and useCommands', () => {
  it('hold their registrations only while the component is shown', async () => {
    const context = createTestSlotContext({ baseUrl: 'http://127.0.0.1:9' });
    const shownName = ref<'board' | 'table'>('board');
    const Host = defineComponent({ setup: () => () => h(KeepAlive, null, [h(shownName.value === 'board' ? Board : Table, { key: shownName.value })]) });
    const wrapper = mount(Host, withSlotContext(context));
    const live = () => ({ shortcuts: context.shortcuts.map((s) => s.description), commands: context.commands.map((c) => c.id) });

    expect(live()).toEqual({ shortcuts: ['board: next'], commands: ['board.refresh'] });
    shownName.value = 'table';
    await wrapper.vm.$nextTick();
    expect(live()).toEqual({ shortcuts: ['table: next'], commands: ['table.refresh'] });
    shownName.value = 'board';
    await wrapper.vm.$nextTick();
    expect(live()).toEqual({ shortcuts: ['board: next'], commands: ['board.refresh'] });

    wrapper.unmount();
    expect(live()).toEqual({ shortcuts: [], commands: [] });
  });
});
