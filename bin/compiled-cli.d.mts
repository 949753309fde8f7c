// Types of compiled-cli.mjs (plain JavaScript, so the bin runs before anything is compiled).
export declare const ROOT: string;
export declare const CLI_DIR: string;
export declare const BUILD_INFO: string;
/** Why the compiled CLI may not run, or null when it may. */
export declare function staleReason(): string | null;
/** The compiled entry's URL when it may run; null sends the caller to the TypeScript sources. */
export declare function compiledCliEntry(): string | null;
