/** Tables of the store (Kysely's typed view). Timestamps are epoch milliseconds. */
export interface Database {
  config_versions: {
    version: number;
    hash: string;
    document: string;
    created_at: number;
    author: string | null;
    message: string | null;
  };
  traces: {
    request_id: string;
    timestamp: number;
    status: number;
    code: string | null;
    route_id: string | null;
    consumer_id: string | null;
    policy_id: string | null;
    trace: string;
  };
  meta: {
    key: string;
    value: string;
  };
  // Management plane (migration 100-management): see src/store/management/.
  teams: {
    id: string;
    name: string;
    description: string | null;
    created_at: number;
    updated_at: number;
    version: number;
  };
  users: {
    id: string;
    email: string;
    name: string | null;
    role: string | null;
    password_hash: string | null;
    disabled: number;
    created_at: number;
    updated_at: number;
    last_login_at: number | null;
    version: number;
  };
  team_members: {
    team_id: string;
    user_id: string;
    role: string;
    created_at: number;
  };
  admin_tokens: {
    id: string;
    user_id: string;
    name: string;
    token_hash: string;
    role: string | null;
    created_at: number;
    expires_at: number | null;
    last_used_at: number | null;
  };
  admin_sessions: {
    id_hash: string;
    user_id: string;
    csrf_hash: string;
    created_at: number;
    expires_at: number;
    last_seen_at: number;
    ip: string | null;
  };
  apis: {
    id: string;
    team_id: string;
    name: string;
    version_label: string | null;
    description: string | null;
    state: string;
    visibility: string;
    approval: string;
    subscription_required: number;
    definition: string;
    deprecation: string | null;
    live_release: number | null;
    created_at: number;
    updated_at: number;
    version: number;
  };
  api_releases: {
    api_id: string;
    number: number;
    snapshot: string;
    diff: string;
    notes: string | null;
    author: string | null;
    created_at: number;
  };
  consumers: {
    id: string;
    team_id: string;
    name: string | null;
    description: string | null;
    groups: string;
    policies: string;
    created_at: number;
    updated_at: number;
    version: number;
  };
  consumer_credentials: {
    id: string;
    consumer_id: string;
    type: string;
    fields: string;
    display: string;
    created_at: number;
    updated_at: number;
    expires_at: number | null;
  };
  subscriptions: {
    id: string;
    api_id: string;
    consumer_id: string;
    state: string;
    reason: string | null;
    comment: string | null;
    requested_by: string | null;
    decided_by: string | null;
    decided_at: number | null;
    created_at: number;
    updated_at: number;
    version: number;
  };
  audit_log: {
    id: string;
    at: number;
    actor_type: string;
    actor_id: string | null;
    actor_name: string | null;
    action: string;
    resource_type: string;
    resource_id: string | null;
    team_id: string | null;
    before: string | null;
    after: string | null;
    request_id: string | null;
    ip: string | null;
  };
  webhooks: {
    id: string;
    team_id: string;
    url: string;
    secret: string;
    events: string;
    active: number;
    created_at: number;
    updated_at: number;
    version: number;
    last_delivery: string | null;
  };
}
