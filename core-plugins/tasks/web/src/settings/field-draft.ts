import type { Component } from 'vue';

export type FieldType = 'text' | 'number' | 'date' | 'select' | 'multi_select' | 'boolean' | 'url';
export interface Option { value: string; color: string | null }
/** The custom field form's state; `keyEdited` stops the key following the name. */
export interface FieldDraft { display_name: string; field_key: string; keyEdited: boolean; field_type: FieldType; is_required: boolean; options: Option[]; newOption: string }
export interface FieldTypeChoice { value: FieldType; label: string; icon: Component }
