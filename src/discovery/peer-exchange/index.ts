import { PeerExchangeService, type PeerExchangeComponents, type PeerExchangeInit } from './peer-exchange-service.js'

export * from './constants.js'

/** Our peer exchange protocol: ask a node for the live peers it knows, telling it about ourselves. */
export function peerExchange (init: PeerExchangeInit): (components: PeerExchangeComponents) => PeerExchangeService {
  return (components) => new PeerExchangeService(components, init)
}

export { PeerExchangeService }
export type { ExchangeResult, PeerExchangeComponents, PeerExchangeInit, SelfDescription } from './peer-exchange-service.js'
