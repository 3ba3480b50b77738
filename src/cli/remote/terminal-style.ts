/** ANSI styles when writing to a terminal that wants them (NO_COLOR turns them off), plain text otherwise. */
export function terminalStyle(stream: NodeJS.WriteStream = process.stdout) {
  const on = stream.isTTY === true && !process.env.NO_COLOR;
  const wrap = (open: number, close: number) => (text: string) =>
    on ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return {
    dim: wrap(2, 22),
    bold: wrap(1, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}

export type TerminalStyle = ReturnType<typeof terminalStyle>;
