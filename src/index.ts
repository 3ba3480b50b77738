export const VERSION = "0.1.0";

export { openReverie, type Reverie, type ReverieOptions } from "./reverie.js";
