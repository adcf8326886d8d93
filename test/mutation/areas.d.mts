export declare const areas: Record<string, { mutate: string[]; tests: string[] }>
export declare const mutateGlobs: string[]
export declare const testGlobs: string[]
