/**
 * Which remote addresses count as this node's own site: loopback, the addresses of this host's own interfaces, and
 * networks an operator names. libp2p's per-host connection limits and gossipsub's IP-colocation penalty guard
 * against many peers behind one address; between processes of one host they only refuse honest nodes, because a
 * node that listens on every interface is dialed at the host's own address, not only at 127.0.0.1.
 * Peers at any other address keep every limit.
 */
import { BlockList, isIP } from 'node:net'
import { networkInterfaces } from 'node:os'

/** Loopback, in both families: the same host whatever the interfaces say. */
const LOOPBACK = ['127.0.0.0/8', '::1/128']

export interface Cidr {
  address: string
  prefix: number
  family: 4 | 6
}

/** `a.b.c.d/n`, `x::y/n`, or a lone address (a network of one); undefined if it is neither. */
export function parseCidr (text: string): Cidr | undefined {
  const [address, prefixText, ...rest] = text.trim().split('/')
  const family = isIP(address)
  if (family === 0 || rest.length > 0) {
    return undefined
  }
  const max = family === 4 ? 32 : 128
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) {
    return undefined
  }
  const prefix = prefixText === undefined ? max : Number(prefixText)
  return prefix <= max ? { address, prefix, family: family as 4 | 6 } : undefined
}

/**
 * The addresses of this host's own interfaces, each a network of one: peers dialed at them are processes of this
 * host. Whole subnets are not taken: the other machines of a LAN are other hosts.
 */
export function hostAddresses (interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces()): string[] {
  return Object.values(interfaces)
    .flatMap(addresses => addresses ?? [])
    // a link-local IPv6 address needs its zone to mean anything, and peers do not dial it
    .filter(info => !(info.family === 'IPv6' && info.scopeid !== undefined && info.scopeid !== 0))
    .map(info => `${info.address}/${info.family === 'IPv4' ? 32 : 128}`)
}

/** A set of networks that answers "is this IP one of ours?" for libp2p's connection manager and gossipsub. */
export class SameSite {
  /** Every network, as `address/prefix`: loopback, this host's addresses, then the trusted networks. */
  readonly networks: Cidr[]
  private readonly list = new BlockList()

  /**
   * `trusted`: networks an operator names as one site (containers behind one NAT, hosts that share an address),
   * already checked by resolveConfig. `interfaces` is for tests.
   */
  constructor (trusted: string[] = [], interfaces?: ReturnType<typeof networkInterfaces>) {
    const networks = new Map<string, Cidr>()
    for (const text of [...LOOPBACK, ...hostAddresses(interfaces), ...trusted]) {
      const cidr = parseCidr(text)
      if (cidr == null) {
        throw new Error(`not an IP network: ${text}`)
      }
      networks.set(`${cidr.address}/${cidr.prefix}`, cidr)
    }
    this.networks = [...networks.values()]
    for (const { address, prefix, family } of this.networks) {
      this.list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6')
    }
  }

  /** Whether a remote IP address belongs to this site (an IPv4-mapped IPv6 address counts as its IPv4 address). */
  has (ip: string): boolean {
    const family = isIP(ip)
    return family !== 0 && this.list.check(ip, family === 4 ? 'ipv4' : 'ipv6')
  }

  /** The networks as multiaddrs, for libp2p's `connectionManager.allow` (which lifts its per-host limits). */
  multiaddrs (): string[] {
    return this.networks.map(({ address, prefix, family }) => `/ip${family}/${address}/ipcidr/${prefix}`)
  }

  /**
   * The networks as gossipsub's `IPColocationFactorWhitelist`: gossipsub only asks it `has(ip)`, and a set of
   * single addresses cannot hold a network.
   */
  colocationWhitelist (): Set<string> {
    const site = this
    return new (class extends Set<string> {
      override has (ip: string): boolean {
        return site.has(ip)
      }
    })()
  }
}
