/**
 * The shipped deployment files: both kustomize overlays render offline (`kubectl kustomize`,
 * skipped when kubectl is absent) into the objects an operator expects — probes on /readyz and
 * /healthz, non-root and locked-down containers, the master key and DATABASE_URL only from
 * Secrets (no secret value inline), a PodDisruptionBudget and autoscaler that select only
 * Latchkey's pods for the PostgreSQL + Redis overlay, one Recreate replica on a volume for the
 * embedded one; and the compose file keeps secrets in files, with HAProxy routing on /readyz.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseAllDocuments, parse as parseYaml } from 'yaml'
import { available } from '../requirements.js'

const ROOT = path.resolve(import.meta.dirname, '../../deploy')
// KUBECTL: another binary to render with (say, Debian's kubernetes-client, kustomize v2.0.3).
const KUBECTL =
  process.env.KUBECTL ?? ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => fs.existsSync(p))
available('kubectl', !!KUBECTL, 'install kubectl to render the overlays')
type Obj = Record<string, any>

function render(overlay: string): Obj[] {
  const out = execFileSync(KUBECTL!, ['kustomize', path.join(ROOT, 'kubernetes/overlays', overlay)], {
    encoding: 'utf8',
  })
  return parseAllDocuments(out).map((d) => d.toJSON() as Obj)
}

const SECRETISH = /(key|password|secret|token|database_url|redis_url)/i
const secretish = (name: string) => SECRETISH.test(name.replace(/^LATCHKEY_/, ''))

function checkDeployment(objs: Obj[]): Obj {
  const dep = objs.find((o) => o.kind === 'Deployment')!
  const pod = dep.spec.template.spec
  const c = pod.containers[0]
  expect(c.readinessProbe.httpGet.path).toBe('/readyz')
  expect(c.livenessProbe.httpGet.path).toBe('/healthz')
  expect(pod.securityContext.runAsNonRoot).toBe(true)
  expect(pod.securityContext.runAsUser).toBeGreaterThan(0)
  expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true })
  expect(c.securityContext.capabilities.drop).toContain('ALL')
  expect(pod.automountServiceAccountToken).toBe(false)
  // Long enough for the drain (delay + timeout) the env asks for.
  expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(40)
  for (const e of c.env as Obj[]) {
    if (secretish(e.name) && e.name !== 'LATCHKEY_MASTER_KEY_FILE') {
      expect(e.value, `${e.name} must come from a Secret`).toBeUndefined()
      expect(e.valueFrom?.secretKeyRef).toBeDefined()
    }
  }
  expect(c.env.find((e: Obj) => e.name === 'LATCHKEY_MASTER_KEY')).toBeUndefined()
  const keyVol = pod.volumes.find((v: Obj) => v.name === 'master-key')
  expect(keyVol.secret.secretName).toBeTruthy()
  expect(objs.some((o) => o.kind === 'Secret')).toBe(false)
  const labels = dep.spec.selector.matchLabels
  expect(labels).toEqual({ 'app.kubernetes.io/name': 'latchkey' })
  expect(dep.spec.template.metadata.labels).toMatchObject(labels)
  return dep
}

describe.skipIf(!KUBECTL)('kustomize overlays (kubectl kustomize, offline)', () => {
  it('postgres-redis: several instances, DATABASE_URL and REDIS_URL from a Secret, PDB and HPA', () => {
    const objs = render('postgres-redis')
    const dep = checkDeployment(objs)
    const env = dep.spec.template.spec.containers[0].env as Obj[]
    for (const name of ['DATABASE_URL', 'REDIS_URL']) {
      expect(env.find((e) => e.name === name)?.valueFrom?.secretKeyRef?.name).toBe('latchkey-backends')
    }
    expect(dep.spec.replicas).toBeGreaterThanOrEqual(2)
    expect(dep.spec.strategy.rollingUpdate.maxUnavailable).toBe(0)
    const pdb = objs.find((o) => o.kind === 'PodDisruptionBudget')!
    expect(pdb.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'latchkey' })
    const hpa = objs.find((o) => o.kind === 'HorizontalPodAutoscaler')!
    expect(hpa.spec.scaleTargetRef.name).toBe(dep.metadata.name)
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2)
    const svc = objs.find((o) => o.kind === 'Service')!
    expect(svc.spec.selector).toEqual({ 'app.kubernetes.io/name': 'latchkey' })
  })

  it('embedded: one Recreate replica on a persistent volume, no autoscaler', () => {
    const objs = render('embedded')
    const dep = checkDeployment(objs)
    expect(dep.spec.replicas).toBe(1)
    expect(dep.spec.strategy.type).toBe('Recreate')
    const env = dep.spec.template.spec.containers[0].env as Obj[]
    expect(env.find((e) => e.name === 'DATABASE_URL')).toBeUndefined()
    const data = dep.spec.template.spec.volumes.find((v: Obj) => v.name === 'data')
    const pvc = objs.find((o) => o.kind === 'PersistentVolumeClaim')!
    expect(data.persistentVolumeClaim.claimName).toBe(pvc.metadata.name)
    expect(objs.some((o) => o.kind === 'HorizontalPodAutoscaler')).toBe(false)
    expect(objs.some((o) => o.kind === 'PodDisruptionBudget')).toBe(false)
  })
})

describe('compose file', () => {
  it('keeps the master key and the database password in secret files; HAProxy routes on /readyz', () => {
    const compose = parseYaml(fs.readFileSync(path.join(ROOT, 'compose.yaml'), 'utf8'), {
      merge: true,
    }) as Obj
    const instances = Object.entries(compose.services as Obj).filter(([n]) => n.startsWith('latchkey-'))
    expect(instances.length).toBeGreaterThanOrEqual(2)
    for (const [, svc] of instances) {
      expect(svc.environment.LATCHKEY_MASTER_KEY).toBeUndefined()
      expect(svc.environment.LATCHKEY_MASTER_KEY_FILE).toBe('/run/secrets/master_key')
      expect(svc.environment.DATABASE_URL).toBeUndefined()
      expect(svc.secrets).toContain('master_key')
      expect(svc.stop_grace_period).toBeTruthy()
    }
    expect(compose.secrets.master_key.file).toBeTruthy()
    for (const port of compose.services.haproxy.ports) expect(String(port)).toMatch(/^127\.0\.0\.1:/)
    const cfg = fs.readFileSync(path.join(ROOT, 'haproxy.cfg'), 'utf8')
    expect(cfg).toMatch(/option httpchk GET \/readyz/)
    for (const [name] of instances) expect(cfg).toContain(`server ${name} ${name}:8420`)
  })
})
