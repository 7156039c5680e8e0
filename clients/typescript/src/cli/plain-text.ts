/**
 * Markdown as a terminal shows it: the text without its markup (`# `, `**`, `_`, backticks,
 * link targets in parentheses after their text). Not a renderer: people read the words,
 * `--json` and `--out` keep the exact bytes.
 */
export function plainText(markdown: string): string {
  return markdown
    .replace(/\r\n?/g, '\n')
    .replace(/^```[^\n]*\n?/gm, '')
    .replace(/^#{1,6}\s+(.*)$/gm, (_, title: string) => title.toUpperCase())
    .replace(/^\s*[-*+]\s+/gm, '- ')
    .replace(/!\[([^\]]*)\]\(([^)]+)\)/g, '$1 ($2)')
    .replace(/\[([^\]]+)\]\(([^)]+)\)/g, (_, text: string, url: string) => (text === url ? url : `${text} (${url})`))
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(^|[\s(])[*_]([^*_\s][^*_]*?)[*_](?=[\s).,;:!?]|$)/gm, '$1$2')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/<mark>(.*?)<\/mark>/g, '$1');
}
