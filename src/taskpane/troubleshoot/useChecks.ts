/** The automatic checks: observed through the services, diagnosed by core, run again on request. */
import { type MutableRefObject, useCallback, useEffect, useRef, useState } from 'react';
import type { CauseCode } from '../../core/causes';
import { type Diagnosis, diagnose } from '../../core/diagnosis';
import type { TroubleshootViewProps } from '../troubleshoot';
import { type Observations, observe } from './observe';

export interface Checks {
  observations?: Observations;
  diagnosis?: Diagnosis;
  checking: boolean;
  /** Runs the checks again; after a reconnect, with how it failed. */
  runChecks(reconnectAttempt?: { failedWith?: CauseCode }): Promise<void>;
  /** False once the view has gone: late answers are dropped. */
  mounted: MutableRefObject<boolean>;
  /** The latest props, so checks run after a reconnect see the pane's newest error rather than a stale closure's. */
  latest: MutableRefObject<TroubleshootViewProps>;
}

export function useChecks(props: TroubleshootViewProps): Checks {
  const { services } = props;
  const [observations, setObservations] = useState<Observations>();
  const [diagnosis, setDiagnosis] = useState<Diagnosis>();
  const [checking, setChecking] = useState(true);
  const latest = useRef(props);
  latest.current = props;
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => void (mounted.current = false);
  }, []);

  const runChecks = useCallback(
    async (reconnectAttempt?: { failedWith?: CauseCode }) => {
      setChecking(true);
      const obs = await observe(services, { lastError: latest.current.lastError, reconnectAttempt });
      if (!mounted.current) return;
      setObservations(obs);
      setDiagnosis(diagnose(obs.input));
      setChecking(false);
    },
    [services],
  );

  useEffect(() => {
    void runChecks();
  }, [runChecks]);

  return { observations, diagnosis, checking, runChecks, mounted, latest };
}
