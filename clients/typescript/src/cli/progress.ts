/**
 * A progress bar for file uploads and downloads, on stderr, only when stderr is a
 * terminal: scripts and logs never see it. Redraws at most every 100 ms.
 */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface Progress {
  update(done: number): void;
  finish(): void;
}

const NONE: Progress = { update() {}, finish() {} };

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** One line: `label [#######-------]  48%  1.2 MiB / 2.5 MiB`. Without a total, the bytes alone. */
export function renderProgress(label: string, done: number, total: number | undefined, width = 24): string {
  if (!total) return `${label} ${formatBytes(done)}`;
  const ratio = Math.min(1, done / total);
  const filled = Math.round(ratio * width);
  return (
    `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ` +
    `${String(Math.floor(ratio * 100)).padStart(3)}%  ${formatBytes(done)} / ${formatBytes(total)}`
  );
}

export function progressBar(
  label: string,
  total: number | undefined,
  stream: ProgressStream = process.stderr,
  now: () => number = Date.now,
): Progress {
  if (!stream.isTTY) return NONE;
  let last = 0;
  let current = 0;
  let finished = false;
  const draw = () => stream.write(`\r${renderProgress(label, current, total)}\x1b[K`);
  return {
    update(done) {
      current = done;
      const time = now();
      if (time - last >= 100) {
        last = time;
        draw();
      }
    },
    finish() {
      if (finished) return;
      finished = true;
      draw();
      stream.write('\n');
    },
  };
}

/** A body that reports its progress as the HTTP layer pulls it, in 64 KiB chunks. */
export function progressBody(bytes: Uint8Array, progress: Progress): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) {
        progress.finish();
        controller.close();
        return;
      }
      const chunk = bytes.subarray(offset, offset + 64 * 1024);
      offset += chunk.byteLength;
      progress.update(offset);
      controller.enqueue(chunk);
    },
  });
}

/** Reads a response body to the end, reporting progress against Content-Length. */
export async function readWithProgress(response: Response, progress: Progress): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.byteLength;
    progress.update(total);
  }
  progress.finish();
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
