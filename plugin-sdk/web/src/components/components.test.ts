import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import PButton from './PButton.vue';
import PKbd from './PKbd.vue';

describe('component kit', () => {
  it('a loading button is disabled and busy', async () => {
    const wrapper = mount(PButton, { props: { loading: true, variant: 'primary' }, slots: { default: 'Save' } });
    expect(wrapper.text()).toBe('Save');
    expect(wrapper.attributes('disabled')).toBeDefined();
    expect(wrapper.attributes('aria-busy')).toBe('true');
  });

  it('renders a chord as separate keys', () => {
    const wrapper = mount(PKbd, { props: { keys: 'Mod+Shift+K' } });
    expect(wrapper.findAll('kbd')).toHaveLength(3);
    expect(wrapper.findAll('kbd')[2]!.text()).toBe('K');
  });
});
