/** Prometheus metrics of the workflow engine, registered on the runtime's registry. */
import { Counter, Gauge, type Registry } from 'prom-client'

export interface WorkflowMetrics {
  runFinished(status: string): void
  stepFinished(kind: string, status: string): void
  setActive(n: number): void
}

export function createWorkflowMetrics(registry: Registry): WorkflowMetrics {
  const runs = new Counter({
    name: 'latchkey_workflow_runs_total',
    help: 'Workflow runs that ended, by final status',
    labelNames: ['status'],
    registers: [registry],
  })
  const steps = new Counter({
    name: 'latchkey_workflow_steps_total',
    help: 'Workflow steps that ended, by kind (model, tool) and status',
    labelNames: ['kind', 'status'],
    registers: [registry],
  })
  const active = new Gauge({
    name: 'latchkey_workflow_runs_executing',
    help: 'Workflow runs executing in this process',
    registers: [registry],
  })
  return {
    runFinished: (status) => runs.inc({ status }),
    stepFinished: (kind, status) => steps.inc({ kind, status }),
    setActive: (n) => active.set(n),
  }
}

export const noWorkflowMetrics: WorkflowMetrics = { runFinished() {}, stepFinished() {}, setActive() {} }
