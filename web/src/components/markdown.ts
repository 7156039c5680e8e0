/**
 * National documents' Markdown as DOM nodes, safely. markdown-it (loaded by the document
 * page only, in its own chunk) renders with raw HTML off, so `<script>` or `<img onerror>`
 * in the text come out escaped, as text. Its output is then parsed in an inert document
 * (DOMParser: nothing runs, nothing loads) and only known elements and attributes are
 * copied into the page: no `innerHTML` on the live page, no inline style (the CSP forbids
 * it), no image fetched from anywhere (an image shows its alternative text), links only to
 * http(s), mailto or this portal; headings one level down (the page's h1 is the title).
 */
import type MarkdownIt from 'markdown-it';

const ELEMENTS = new Set([
  'p',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'ul',
  'ol',
  'li',
  'blockquote',
  'pre',
  'code',
  'em',
  'strong',
  's',
  'hr',
  'br',
  'a',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
]);

let renderer: Promise<MarkdownIt> | undefined;

function markdownIt(): Promise<MarkdownIt> {
  renderer ??= import('markdown-it').then(
    ({ default: create }) => create({ html: false, linkify: false, typographer: false }) as MarkdownIt,
  );
  return renderer;
}

function safeHref(href: string | null): string | null {
  if (!href) return null;
  try {
    const url = new URL(href, window.location.origin);
    if (url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'mailto:') return url.href;
  } catch {
    // not a URL: no link
  }
  return null;
}

/** Copies `from`'s children into `to`, keeping the allowed elements and dropping every other attribute. */
function copyAllowed(from: Node, to: Node): void {
  for (const child of Array.from(from.childNodes)) {
    if (child.nodeType === Node.TEXT_NODE) {
      to.appendChild(document.createTextNode(child.textContent ?? ''));
      continue;
    }
    if (child.nodeType !== Node.ELEMENT_NODE) continue;
    const element = child as Element;
    const name = element.tagName.toLowerCase();
    if (name === 'img') {
      const alt = element.getAttribute('alt');
      if (alt) to.appendChild(document.createTextNode(alt));
      continue;
    }
    if (!ELEMENTS.has(name)) {
      // An element not on the list keeps its text only.
      copyAllowed(element, to);
      continue;
    }
    // The page's own h1 is the document's title: the text's headings sit one level below it.
    const heading = /^h([1-6])$/.exec(name);
    const copy = document.createElement(heading ? `h${Math.min(Number(heading[1]) + 1, 6)}` : name);
    if (name === 'a') {
      const href = safeHref(element.getAttribute('href'));
      if (href) {
        copy.setAttribute('href', href);
        if (new URL(href).origin !== window.location.origin) copy.setAttribute('rel', 'noopener noreferrer');
      }
    }
    if (name === 'ol' && /^\d+$/.test(element.getAttribute('start') ?? ''))
      copy.setAttribute('start', element.getAttribute('start')!);
    if (name === 'code' && /^language-[\w-]+$/.test(element.getAttribute('class') ?? ''))
      copy.setAttribute('class', element.getAttribute('class')!);
    copyAllowed(element, copy);
    to.appendChild(copy);
  }
}

/** The Markdown as a fragment of allowed elements, ready to append to the page. */
export async function renderMarkdown(text: string): Promise<DocumentFragment> {
  const html = (await markdownIt()).render(text);
  const inert = new DOMParser().parseFromString(html, 'text/html');
  const fragment = document.createDocumentFragment();
  copyAllowed(inert.body, fragment);
  return fragment;
}
