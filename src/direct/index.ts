/** Our direct message protocol, `/<prefix>/message/1.0.0`: one message to one peer, acknowledged by the receiver. */
export * from './constants.js'
export { MessageService, type MessageInit, type MessageServiceEvents, type ReceivedDirectMessage } from './message-service.js'
