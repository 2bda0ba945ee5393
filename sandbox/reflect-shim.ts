/**
 * The few `Reflect` metadata functions that tsyringe (a dependency of @peculiar/x509) checks
 * for at load time. The library asks for a polyfill such as `reflect-metadata`; this covers the
 * subset tsyringe uses (get, get-own, define) without adding a dependency. It installs nothing
 * when a real polyfill is already present.
 */
type MetadataTarget = object;

interface ReflectMetadata {
  getMetadata?(key: unknown, target: MetadataTarget): unknown;
  getOwnMetadata?(key: unknown, target: MetadataTarget): unknown;
  defineMetadata?(key: unknown, value: unknown, target: MetadataTarget): void;
  hasMetadata?(key: unknown, target: MetadataTarget): boolean;
}

const reflect = Reflect as unknown as ReflectMetadata;

if (typeof reflect.getMetadata !== 'function') {
  const store = new WeakMap<MetadataTarget, Map<unknown, unknown>>();
  const own = (target: MetadataTarget, key: unknown) => store.get(target)?.get(key);
  reflect.getOwnMetadata = own;
  reflect.getMetadata = (key, target) => {
    for (let t: MetadataTarget | null = target; t; t = Object.getPrototypeOf(t) as MetadataTarget | null) {
      if (store.get(t)?.has(key)) return own(t, key);
    }
    return undefined;
  };
  reflect.hasMetadata = (key, target) => reflect.getMetadata?.(key, target) !== undefined;
  reflect.defineMetadata = (key, value, target) => {
    let map = store.get(target);
    if (!map) store.set(target, (map = new Map()));
    map.set(key, value);
  };
}

export {};
