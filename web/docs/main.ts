/**
 * /docs: the API reference, rendered in the browser by Swagger UI (bundled from the
 * swagger-ui-dist package, never loaded from a CDN) from the contract the portal serves at
 * /openapi.json. Read-only: "Try it out" is off, since every request but the public
 * documents must be signed with a principal's key (the portal's pages and `cbm` do that).
 */
// @ts-expect-error swagger-ui-dist ships no types; its ES bundle exports the SwaggerUI function.
import SwaggerUI from 'swagger-ui-dist/swagger-ui-es-bundle.js';
import 'swagger-ui-dist/swagger-ui.css';
import './docs.css';

SwaggerUI({
  url: '/openapi.json',
  dom_id: '#reference',
  // Deep links put a link inside each operation's toggle button (axe: nested-interactive, target-size).
  deepLinking: false,
  docExpansion: 'list',
  defaultModelsExpandDepth: 0,
  supportedSubmitMethods: [],
  tryItOutEnabled: false,
  // No badge from the public validator: nothing leaves the portal's origin.
  validatorUrl: null,
});

/**
 * What Swagger UI leaves out for WCAG 2.2 AA (axe-core), added as it renders: a name for
 * the (disabled) value pickers of enum parameters, and keyboard access to the example
 * blocks that scroll sideways.
 */
function repairAccessibility(root: HTMLElement) {
  for (const select of root.querySelectorAll<HTMLSelectElement>('tr[data-param-name] select:not([aria-label])')) {
    select.setAttribute('aria-label', select.closest('tr')?.dataset.paramName ?? 'value');
  }
  for (const block of root.querySelectorAll<HTMLElement>('pre.microlight:not([tabindex])')) {
    block.setAttribute('tabindex', '0');
  }
}

const reference = document.getElementById('reference');
if (reference) {
  new MutationObserver(() => repairAccessibility(reference)).observe(reference, { childList: true, subtree: true });
}
