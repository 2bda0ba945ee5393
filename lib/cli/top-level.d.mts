// Types of lib/cli/top-level.mjs (plain JavaScript, so bin.mjs can load it without tsx).
import type { Command } from 'commander';

export declare const NAME: string;
export declare const DESCRIPTION: string;
export declare const COMMANDS: readonly { name: string; options: boolean; description: string }[];
export declare function packageVersion(): string;
export declare function topCommand(program: Command, name: string): Command;
export declare function topLevelProgram(options: { version: string; out: (s: string) => void; err: (s: string) => void; outColour: boolean; errColour: boolean }): Command;
export declare function answerTopLevel(argv: readonly string[], out?: (s: string) => void): number | undefined;
