/** The Troubleshoot view, loaded on first use: the checks, guided flow and escalation are not needed to paint the pane. */
import { lazy } from 'react';

export const LazyTroubleshoot = lazy(() => import(/* webpackChunkName: "troubleshoot" */ './Troubleshoot').then((m) => ({ default: m.Troubleshoot })));
