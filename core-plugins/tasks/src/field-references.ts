import type { FieldReferenceResolver, ReferencedRecord, ReferenceField, TaskFieldReferences } from './contract.js';
import { TaskReferenceInvalid } from './errors.js';

/** The registry behind the `tasks.fieldReferences` extension point (D20). */
export class FieldReferences implements TaskFieldReferences {
  private readonly resolvers = new Map<ReferenceField, FieldReferenceResolver>();

  register(field: ReferenceField, resolver: FieldReferenceResolver): void {
    if (this.resolvers.has(field)) throw new TypeError(`a resolver for ${field} is already registered`);
    this.resolvers.set(field, resolver);
  }

  /** Null always passes; an id passes only when the field's owner is loaded and accepts it. */
  async validate(projectId: string, field: ReferenceField, id: string | null): Promise<void> {
    if (id === null) return;
    const resolver = this.resolvers.get(field);
    if (!resolver) throw TaskReferenceInvalid({ field }, { message: `${field} must be null: no plugin provides ${field.replace(/_id$/, '')}s` });
    await resolver.validate(projectId, id);
  }

  async resolve(projectId: string, field: ReferenceField, ids: readonly string[]): Promise<ReferencedRecord[]> {
    const resolver = this.resolvers.get(field);
    return resolver && ids.length > 0 ? resolver.resolve(projectId, ids) : [];
  }
}
