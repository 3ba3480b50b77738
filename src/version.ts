/** Reverie's own version (the Letta API level served is reported separately). */
export const REVERIE_VERSION = "0.1.0";

/** The Letta server API version whose surface Reverie serves. */
export const LETTA_API_VERSION = "0.16.8";
