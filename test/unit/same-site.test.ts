import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { hostAddresses, parseCidr, SameSite } from '../../dist/internal.js'
import type { NetworkInterfaceInfo } from 'node:os'

/** A laptop's interfaces: loopback, a LAN address, a Docker bridge, and IPv6 global and link-local addresses. */
const INTERFACES: Record<string, NetworkInterfaceInfo[]> = {
  lo: [
    { address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' },
    { address: '::1', netmask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', family: 'IPv6', mac: '00:00:00:00:00:00', internal: true, cidr: '::1/128', scopeid: 0 }
  ],
  eth0: [
    { address: '192.168.1.23', netmask: '255.255.255.0', family: 'IPv4', mac: '52:54:00:12:34:56', internal: false, cidr: '192.168.1.23/24' },
    { address: '2001:db8::23', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '52:54:00:12:34:56', internal: false, cidr: '2001:db8::23/64', scopeid: 0 },
    { address: 'fe80::5054:ff:fe12:3456', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '52:54:00:12:34:56', internal: false, cidr: 'fe80::5054:ff:fe12:3456/64', scopeid: 2 }
  ],
  docker0: [
    { address: '172.17.0.1', netmask: '255.255.0.0', family: 'IPv4', mac: '02:42:ac:11:00:01', internal: false, cidr: '172.17.0.1/16' }
  ]
}

describe('parseCidr', () => {
  it('reads networks and lone addresses of both families', () => {
    assert.deepEqual(parseCidr('10.0.0.0/8'), { address: '10.0.0.0', prefix: 8, family: 4 })
    assert.deepEqual(parseCidr('192.168.1.7'), { address: '192.168.1.7', prefix: 32, family: 4 })
    assert.deepEqual(parseCidr('fd00::/8'), { address: 'fd00::', prefix: 8, family: 6 })
    assert.deepEqual(parseCidr('::1'), { address: '::1', prefix: 128, family: 6 })
  })

  for (const bad of ['', '10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/8/8', '10.0.0/8', 'localhost', '10.0.0.0/-1', '10.0.0.0/ 8']) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      assert.equal(parseCidr(bad), undefined)
    })
  }
})

describe('hostAddresses', () => {
  it('takes each address of this host as a network of one, leaving out link-local IPv6', () => {
    assert.deepEqual(hostAddresses(INTERFACES), ['127.0.0.1/32', '::1/128', '192.168.1.23/32', '2001:db8::23/128', '172.17.0.1/32'])
  })

  it('finds at least loopback on the machine it runs on', () => {
    assert.ok(hostAddresses().includes('127.0.0.1/32'))
  })
})

describe('SameSite', () => {
  const site = new SameSite([], INTERFACES)

  it('counts loopback and the host\'s own addresses as this site', () => {
    for (const ip of ['127.0.0.1', '127.4.5.6', '::1', '192.168.1.23', '2001:db8::23', '172.17.0.1', '::ffff:192.168.1.23']) {
      assert.equal(site.has(ip), true, ip)
    }
  })

  it('keeps every other address remote: the LAN\'s other hosts, containers, the internet', () => {
    for (const ip of ['192.168.1.24', '172.17.0.2', '2001:db8::24', '8.8.8.8', '10.0.0.1', 'not an ip', '']) {
      assert.equal(site.has(ip), false, ip)
    }
  })

  it('adds the networks an operator trusts, and only those', () => {
    const trusting = new SameSite(['10.20.0.0/16', '203.0.113.9/32'], INTERFACES)
    assert.equal(trusting.has('10.20.255.1'), true)
    assert.equal(trusting.has('203.0.113.9'), true)
    assert.equal(trusting.has('10.21.0.1'), false)
    assert.equal(trusting.has('203.0.113.10'), false)
  })

  it('gives libp2p multiaddrs and gossipsub a whitelist that agree with it', () => {
    const trusting = new SameSite(['10.20.0.0/16'], INTERFACES)
    assert.deepEqual(trusting.multiaddrs(), [
      '/ip4/127.0.0.0/ipcidr/8', '/ip6/::1/ipcidr/128', '/ip4/127.0.0.1/ipcidr/32', '/ip4/192.168.1.23/ipcidr/32',
      '/ip6/2001:db8::23/ipcidr/128', '/ip4/172.17.0.1/ipcidr/32', '/ip4/10.20.0.0/ipcidr/16'
    ])
    const whitelist = trusting.colocationWhitelist()
    assert.ok(whitelist instanceof Set)
    assert.equal(whitelist.has('10.20.1.1'), true)
    assert.equal(whitelist.has('192.168.1.23'), true)
    assert.equal(whitelist.has('192.168.1.99'), false)
  })
})
