/**
 * Network hosts of a test's own: Linux network namespaces (`ip netns add`), each joined to the root
 * namespace by a veth pair on a /30 of its own (iproute2, as root). A process started in a host
 * (`ip netns exec`) has no loopback shortcut to the machine's servers: it reaches only the root end
 * of its veth (`gateway`), where the test puts forwarders (test/support/tcpProxy.ts), and one
 * address the hosts share (`shared`, a /32 on the root namespace's loopback, routed from each host
 * through its own veth): a service every host must name alike (an address that travels in
 * workflow history, such as a paged partner's page links) is forwarded there. Traffic stays between
 * loopback and these hosts.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface NetHost {
  /** The namespace's name (`ip netns exec <name> …`). */
  name: string;
  /** The root namespace's end of the veth: where this host reaches the services. */
  gateway: string;
  /** The host's own address. */
  address: string;
  /** The root end's interface: `ip link set <link> down` cuts the host off. */
  link: string;
  /** The address every host of the set reaches alike, through its own veth (cut with it). */
  shared: string;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Why network hosts cannot be made here (no `ip`, not root, no namespaces in a container), or
 * undefined when they can: a namespace is made and deleted to find out.
 */
export function netHostsUnavailable(): string | undefined {
  const probe = `tp-probe-${randomBytes(3).toString('hex')}`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return undefined;
  } catch (error) {
    return `\`ip netns add\` failed (iproute2 and root with CAP_SYS_ADMIN are needed): ${
      (error as { stderr?: Buffer }).stderr?.toString().trim() ?? String(error)
    }`;
  }
}

/** The 10.x.y.0/24 networks the root namespace already routes: a new host must not overlap them. */
function routedPrefixes(): Set<string> {
  const routes = execFileSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' });
  return new Set([...routes.matchAll(/\b(10\.\d+\.\d+)\.\d+/g)].map((m) => m[1]!));
}

/**
 * `count` hosts, each on 10.x.y.0/30 with a random x.y not yet routed (so two test runs at once do
 * not meet). Call `removeNetHosts` in every case: it deletes the namespaces and with them the veths.
 */
export function makeNetHosts(count: number): NetHost[] {
  const tag = randomBytes(3).toString('hex');
  const taken = routedPrefixes();
  const hosts: NetHost[] = [];
  const freePrefix = () => {
    let prefix: string;
    do prefix = `10.${200 + (randomBytes(1)[0]! % 50)}.${randomBytes(1)[0]! % 250}`;
    while (taken.has(prefix));
    taken.add(prefix);
    return prefix;
  };
  const shared = `${freePrefix()}.1`;
  try {
    ip('addr', 'add', `${shared}/32`, 'dev', 'lo');
    for (let i = 0; i < count; i += 1) {
      const prefix = freePrefix();
      const host: NetHost = {
        name: `tp-${tag}-h${i}`,
        gateway: `${prefix}.1`,
        address: `${prefix}.2`,
        link: `tp${tag}r${i}`,
        shared,
      };
      const inner = `tp${tag}n${i}`;
      ip('netns', 'add', host.name);
      hosts.push(host);
      ip('link', 'add', host.link, 'type', 'veth', 'peer', 'name', inner);
      ip('link', 'set', inner, 'netns', host.name);
      ip('addr', 'add', `${host.gateway}/30`, 'dev', host.link);
      ip('link', 'set', host.link, 'up');
      ip('-n', host.name, 'addr', 'add', `${host.address}/30`, 'dev', inner);
      ip('-n', host.name, 'link', 'set', inner, 'up');
      ip('-n', host.name, 'link', 'set', 'lo', 'up');
      ip('-n', host.name, 'route', 'add', `${shared}/32`, 'via', host.gateway);
    }
    return hosts;
  } catch (error) {
    removeNetHosts(hosts);
    removeShared(shared);
    throw error;
  }
}

/** Cuts a host off: its veth's root end goes down (packets both ways are lost, nothing is closed). */
export function cutLink(host: NetHost): void {
  ip('link', 'set', host.link, 'down');
}

function removeLink(link: string): void {
  try {
    ip('link', 'del', link);
  } catch {
    // Gone with its namespace.
  }
}

function removeShared(address: string): void {
  try {
    ip('addr', 'del', `${address}/32`, 'dev', 'lo');
  } catch {
    // Removed already.
  }
}

/**
 * Deletes the hosts' namespaces (their veth pairs go with them) and their shared address; what is
 * gone already is skipped.
 */
export function removeNetHosts(hosts: readonly NetHost[]): void {
  for (const host of hosts) {
    try {
      ip('netns', 'del', host.name);
    } catch {
      // Already deleted.
    }
    removeLink(host.link);
  }
  for (const address of new Set(hosts.map((h) => h.shared))) removeShared(address);
}

/**
 * The namespaces of `hosts`, and their shared address, that still exist (for the test's own check
 * that it cleaned up).
 */
export function remainingNetHosts(hosts: readonly NetHost[]): string[] {
  const listed = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  const names = new Set(listed.split('\n').map((line) => line.split(' ')[0]));
  const loopback = execFileSync('ip', ['-o', '-4', 'addr', 'show', 'dev', 'lo'], { encoding: 'utf8' });
  const shared = [...new Set(hosts.map((h) => h.shared))].filter((a) => loopback.includes(` ${a}/32 `));
  return [...hosts.map((h) => h.name).filter((name) => names.has(name)), ...shared];
}
