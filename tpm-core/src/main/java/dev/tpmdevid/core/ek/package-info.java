/** EK certificate NV contents to one DER certificate, and the TCG EK certificate NV indices. */
package dev.tpmdevid.core.ek;
