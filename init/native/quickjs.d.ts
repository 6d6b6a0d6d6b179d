// Types of the parts of QuickJS's own std and os modules that podinit uses.
declare module "std" {
  interface StdFile {
    puts(text: string): void;
    flush(): void;
  }
  export const err: StdFile;
  export const out: StdFile;
  export function exit(code: number): never;
  export function getenviron(): Record<string, string>;
}

declare module "os" {
  /** [entries, errno] */
  export function readdir(path: string): [string[], number];
  /** 0 or -errno */
  export function rename(oldPath: string, newPath: string): number;
  /** 0 or -errno */
  export function remove(path: string): number;
  /** 0 or -errno */
  export function chdir(path: string): number;
  export const args: string[] | undefined;
}

declare const scriptArgs: string[];
