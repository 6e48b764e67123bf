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
}
