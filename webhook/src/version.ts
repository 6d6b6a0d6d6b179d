// The version baked in by the bundler, with a fallback when running from source (tests).

declare const PODINIT_VERSION: string;

export const VERSION: string = typeof PODINIT_VERSION === "string" ? PODINIT_VERSION : "0.0.0-dev";
