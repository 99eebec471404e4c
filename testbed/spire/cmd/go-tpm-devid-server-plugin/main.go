// Command go-tpm-devid-server-plugin serves SPIRE's own server-side tpm_devid node attestor
// (github.com/spiffe/spire/pkg/server/plugin/nodeattestor/tpmdevid, imported at the version pinned in
// go.mod) as an external plugin binary, so that hosts which load external plugins can use SPIRE's Go
// implementation as a peer. No SPIRE code is copied here: this file only wires the imported plugin
// into the plugin SDK's pluginmain.
package main

import (
	"github.com/spiffe/spire-plugin-sdk/pluginmain"
	nodeattestorv1 "github.com/spiffe/spire-plugin-sdk/proto/spire/plugin/server/nodeattestor/v1"
	configv1 "github.com/spiffe/spire-plugin-sdk/proto/spire/service/common/config/v1"
	"github.com/spiffe/spire/pkg/server/plugin/nodeattestor/tpmdevid"
)

func main() {
	p := tpmdevid.New()
	pluginmain.Serve(
		nodeattestorv1.NodeAttestorPluginServer(p),
		configv1.ConfigServiceServer(p),
	)
}
