/**
 * The lab's certificate minting, once: {@link dev.tpmdevid.labpki.TestPki} builds any X.509
 * certificate (including the odd ones negative tests need) with Bouncy Castle, and {@link
 * dev.tpmdevid.labpki.KeyType} names the key algorithms of test CAs and keys. The testbed's four-CA
 * fleet PKI ({@code dev.tpmdevid.testbed.provision.TestCa}/{@code TestPki}) and the verifier's
 * software agent are both built on it.
 */
package dev.tpmdevid.labpki;
