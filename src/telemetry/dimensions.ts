import type { ResolvedConfig } from '../config/resolve.js';

/** Team and API of a route or service, as call logs and analytics report them. */
export interface Owner {
  readonly team?: string;
  readonly api?: string;
}

/** Per config version: route id → owner, service id → owner (plain data, sent to the worker). */
export interface DimensionTable {
  readonly version: number;
  readonly routes: Readonly<Record<string, Owner>>;
  readonly services: Readonly<Record<string, Owner>>;
}

function fromTags(tags: readonly string[] | undefined): Owner {
  let team: string | undefined;
  let api: string | undefined;
  for (const t of tags ?? []) {
    if (t.startsWith('team:')) team = t.slice(5);
    else if (t.startsWith('api:')) api = t.slice(4);
  }
  return { team, api };
}

/**
 * THE mapping point from the config to the team/API dimensions. Today: `team:<id>` and `api:<id>` tags
 * on a route (which win) or its service; without an `api:` tag the service is the API (as in Kong,
 * where a service is what you publish). When the management plane compiles APIs into routes it tags
 * them, or this function reads its model instead.
 */
export function dimensionTable(resolved: Pick<ResolvedConfig, 'routes' | 'services'>, version: number): DimensionTable {
  const services: Record<string, Owner> = {};
  for (const s of resolved.services) {
    const o = fromTags(s.tags);
    services[s.id] = { team: o.team, api: o.api ?? s.id };
  }
  const routes: Record<string, Owner> = {};
  for (const r of resolved.routes) {
    const o = fromTags(r.tags);
    const svc = services[r.service];
    routes[r.id] = { team: o.team ?? svc?.team, api: o.api ?? svc?.api ?? r.service };
  }
  return { version, routes, services };
}

export function ownerOf(table: DimensionTable | undefined, routeId: string | undefined, serviceId: string | undefined): Owner {
  if (!table) return { api: serviceId };
  return (routeId !== undefined ? table.routes[routeId] : undefined) ?? (serviceId !== undefined ? table.services[serviceId] : undefined) ?? { api: serviceId };
}
