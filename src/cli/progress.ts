/** A one-line progress bar on a terminal; plain periodic lines when the stream is not a TTY. */
export interface ProgressBar {
  update(done: number, total?: number): void;
  finish(message?: string): void;
}

const WIDTH = 30;

export function createProgressBar(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressBar {
  let lastLine = "";
  let lastPlainPercent = -1;
  let currentTotal = total;
  const render = (done: number) => {
    const fraction = currentTotal > 0 ? Math.min(1, done / currentTotal) : 1;
    const filled = Math.round(fraction * WIDTH);
    const percent = Math.floor(fraction * 100);
    return {
      percent,
      line: `${label} [${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}] ${done}/${currentTotal} ${percent}%`,
    };
  };
  return {
    update(done, newTotal) {
      if (newTotal !== undefined) currentTotal = newTotal;
      const { percent, line } = render(done);
      if (stream.isTTY) {
        if (line !== lastLine) stream.write(`\r${line}`);
      } else if (percent >= lastPlainPercent + 10 || (percent === 100 && lastPlainPercent !== 100)) {
        stream.write(`${line}\n`);
        lastPlainPercent = percent;
      }
      lastLine = line;
    },
    finish(message) {
      if (stream.isTTY && lastLine) stream.write("\n");
      if (message) stream.write(`${message}\n`);
    },
  };
}
