import type { ApiStatus } from '../../src/core/api';

type StatusOverrides = Partial<Omit<ApiStatus, 'account'>> & { account?: Partial<ApiStatus['account']> };

/** A status as GET /api/v1/status would answer it; override what a scenario needs. */
export function statusOf(over: StatusOverrides = {}): ApiStatus {
  const { account, ...rest } = over;
  return {
    user: { id: 'u-1', name: 'Amelia Agent', email: 'amelia@branch.example', branchId: 'b-1', branchName: 'Clifton', role: 'agent' },
    recentFailures: [],
    ...rest,
    account: { kind: 'office365', state: 'connected', ...account },
  };
}
