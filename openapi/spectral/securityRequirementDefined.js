/**
 * A Security Requirement as OpenAPI 3.1 defines it (section 4.8.30): every name is a scheme
 * of `components.securitySchemes`; for `oauth2` the listed scopes are scopes of its flows,
 * for any other type they are role names the operation needs, which the document need
 * not define. (Spectral's own rule reads every list as OAuth2 scopes.)
 */
export default function securityRequirementDefined(requirement, _options, { document, path }) {
  if (!requirement || typeof requirement !== 'object') return [];
  const schemes = document.data?.components?.securitySchemes ?? {};
  const results = [];
  for (const [name, scopes] of Object.entries(requirement)) {
    const scheme = schemes[name];
    if (!scheme) {
      results.push({ message: `"${name}" is not a scheme of components.securitySchemes.`, path: [...path, name] });
      continue;
    }
    if (scheme.type !== 'oauth2' || !Array.isArray(scopes)) continue;
    const defined = new Set(Object.values(scheme.flows ?? {}).flatMap((flow) => Object.keys(flow?.scopes ?? {})));
    scopes.forEach((scope, index) => {
      if (!defined.has(scope)) results.push({ message: `"${scope}" must be listed among the scopes of ` +
`${name}'s flows.`, path: [...path, name, index] });
    });
  }
  return results;
}
