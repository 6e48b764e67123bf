import type { ConsumerRecord, CredentialRecord, ManagementTables, Page } from '../store/management/index.js';
import { newId } from '../store/management/index.js';
import { requireTeamRole, visibleTeam } from './access.js';
import type { Actor } from './audit.js';
import { issuerFor, type CredentialInput } from './credentials.js';
import { ManagementError, notFound } from './errors.js';
import type { ManagementPlane } from './plane.js';
import { presentConsumer, presentCredential } from './present.js';
import { readableTeams, teamRole, type Principal } from './roles.js';

export interface ConsumerInput {
  readonly id: string;
  readonly team: string;
  readonly name?: string;
  readonly description?: string;
  readonly groups?: readonly string[];
  readonly policies?: readonly unknown[];
}

export async function listConsumers(m: ManagementPlane, p: Principal, q: { team?: string; q?: string; limit?: number; after?: string }): Promise<Page<ConsumerRecord>> {
  const teams = readableTeams(p);
  return m.tables.consumers.list({ ...q, ...(teams ? { teams } : {}) });
}

export async function readConsumer(tables: ManagementTables, p: Principal, id: string): Promise<ConsumerRecord> {
  const c = await tables.consumers.get(id);
  if (!c || !teamRole(p, c.teamId)) throw notFound('consumer', id);
  return c;
}

export async function getConsumer(m: ManagementPlane, p: Principal, id: string): Promise<{ consumer: ConsumerRecord; credentials: CredentialRecord[] }> {
  const consumer = await readConsumer(m.tables, p, id);
  return { consumer, credentials: await m.tables.consumers.credentials(id) };
}

const snapshot = async (tx: ManagementTables, c: ConsumerRecord) => presentConsumer(c, await tx.consumers.credentials(c.id));

export function createConsumer(m: ManagementPlane, actor: Actor, input: ConsumerInput): Promise<ConsumerRecord> {
  return m.write(actor, { dataPlane: true, message: `consumer.create ${input.id}` }, async ({ tx, audit }) => {
    await visibleTeam(tx, actor.principal, input.team);
    requireTeamRole(actor.principal, input.team, 'editor', { kind: 'team', id: input.team });
    const c = await tx.consumers.insert({ id: input.id, teamId: input.team, ...(input.name ? { name: input.name } : {}), ...(input.description ? { description: input.description } : {}), groups: input.groups ?? [], policies: input.policies ?? [] });
    audit({ action: 'consumer.create', resource: { type: 'consumer', id: c.id }, teamId: c.teamId, after: presentConsumer(c, []) });
    return c;
  });
}

export function updateConsumer(m: ManagementPlane, actor: Actor, id: string, patch: { name?: string | null; description?: string | null; groups?: readonly string[]; policies?: readonly unknown[] }, ifMatch?: number): Promise<ConsumerRecord> {
  return m.write(actor, { dataPlane: true, message: `consumer.update ${id}` }, async ({ tx, audit }) => {
    const before = await readConsumer(tx, actor.principal, id);
    requireTeamRole(actor.principal, before.teamId, 'editor', { kind: 'consumer', id });
    const beforeView = await snapshot(tx, before);
    const after = (await tx.consumers.update(id, patch, ifMatch))!;
    audit({ action: 'consumer.update', resource: { type: 'consumer', id }, teamId: after.teamId, before: beforeView, after: await snapshot(tx, after) });
    return after;
  });
}

export function deleteConsumer(m: ManagementPlane, actor: Actor, id: string, ifMatch?: number): Promise<void> {
  return m.write(actor, { dataPlane: true, message: `consumer.delete ${id}` }, async ({ tx, audit }) => {
    const before = await readConsumer(tx, actor.principal, id);
    requireTeamRole(actor.principal, before.teamId, 'editor', { kind: 'consumer', id });
    if (ifMatch !== undefined && ifMatch !== before.version) throw new ManagementError('admin.precondition_failed', `Consumer ${id} changed since revision ${ifMatch}; it is now ${before.version}.`, undefined, { etag: `"${before.version}"` });
    const view = await snapshot(tx, before);
    await tx.consumers.delete(id);
    audit({ action: 'consumer.delete', resource: { type: 'consumer', id }, teamId: before.teamId, before: view });
  });
}

/** Creates a credential; a generated key or password is in `secret`, returned this once. */
export async function createCredential(m: ManagementPlane, actor: Actor, consumerId: string, input: CredentialInput & { type: string; id?: string }) {
  const current = await readConsumer(m.tables, actor.principal, consumerId);
  requireTeamRole(actor.principal, current.teamId, 'editor', { kind: 'consumer', id: consumerId });
  const issued = await issuerFor(input.type).create(input);
  return m.write(actor, { dataPlane: true, message: `credential.create ${consumerId}` }, async ({ tx, audit }) => {
    const c = await readConsumer(tx, actor.principal, consumerId);
    const cred = await tx.consumers.insertCredential({ id: input.id ?? newId('cred'), consumerId, type: input.type, fields: issued.fields, display: issued.display, ...(issued.expiresAt !== undefined ? { expiresAt: issued.expiresAt } : {}) });
    await tx.consumers.touch(consumerId);
    audit({ action: 'credential.create', resource: { type: 'credential', id: cred.id }, teamId: c.teamId, after: { consumer: consumerId, ...presentCredential(cred) } });
    return { credential: cred, secret: issued.secret };
  });
}

/** New secret for a credential (the old key may keep working for `overlap`); the secret is returned once. */
export async function rotateCredential(m: ManagementPlane, actor: Actor, consumerId: string, credentialId: string, input: CredentialInput) {
  const current = await readConsumer(m.tables, actor.principal, consumerId);
  requireTeamRole(actor.principal, current.teamId, 'editor', { kind: 'consumer', id: consumerId });
  const cred = await m.tables.consumers.credential(credentialId);
  if (!cred || cred.consumerId !== consumerId) throw notFound('credential', credentialId);
  const issuer = issuerFor(cred.type);
  if (!issuer.rotate) throw new ManagementError('admin.invalid_state', `Credentials of type ${cred.type} have no secret to rotate; change their fields instead.`);
  const issued = await issuer.rotate(cred, input);
  return m.write(actor, { dataPlane: true, message: `credential.rotate ${credentialId}` }, async ({ tx, audit }) => {
    const updated = (await tx.consumers.updateCredential(credentialId, { fields: issued.fields, display: issued.display }))!;
    await tx.consumers.touch(consumerId);
    audit({ action: 'credential.rotate', resource: { type: 'credential', id: credentialId }, teamId: current.teamId, before: presentCredential(cred), after: presentCredential(updated) });
    return { credential: updated, secret: issued.secret };
  });
}

export function deleteCredential(m: ManagementPlane, actor: Actor, consumerId: string, credentialId: string): Promise<void> {
  return m.write(actor, { dataPlane: true, message: `credential.delete ${credentialId}` }, async ({ tx, audit }) => {
    const c = await readConsumer(tx, actor.principal, consumerId);
    requireTeamRole(actor.principal, c.teamId, 'editor', { kind: 'consumer', id: consumerId });
    const cred = await tx.consumers.credential(credentialId);
    if (!cred || cred.consumerId !== consumerId) throw notFound('credential', credentialId);
    await tx.consumers.deleteCredential(credentialId);
    await tx.consumers.touch(consumerId);
    audit({ action: 'credential.delete', resource: { type: 'credential', id: credentialId }, teamId: c.teamId, before: presentCredential(cred) });
  });
}
