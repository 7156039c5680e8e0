/**
 * The portal reads each operation's scope from its security requirement (src/http/spec-index.ts):
 * an operation is public (`security: []`) or has exactly one requirement naming exactly one
 * value of the `Scope` schema. Inheriting the document's default would leave the scope unsaid.
 */
export default function operationScope(operation, _options, { document, path }) {
  if (!operation || typeof operation !== 'object') return [];
  const scopes = new Set(document.data?.components?.schemas?.Scope?.enum ?? []);
  const security = operation.security;
  if (!Array.isArray(security)) return [{ message: 'The operation must say its security: `[]` (public) or ' +
'`[{signedRequest: [<scope>]}]`.', path }];
  if (security.length === 0) return [];
  const [requirement, ...others] = security;
  const lists = Object.values(requirement ?? {});
  if (others.length || lists.length !== 1 || !Array.isArray(lists[0]) || lists[0].length !== 1) {
    return [{ message: 'The operation must name exactly one scheme with exactly one scope.', path: [...path, 'security'] }];
  }
  const [scope] = lists[0];
  if (!scopes.has(scope)) return [{ message: `"${scope}" is not a value of the Scope schema.`, path: [...path, 'security', 0] }];
  return [];
}
