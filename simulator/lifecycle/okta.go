package lifecycle

import (
	"errors"

	"github.com/scimtest/scimtest/simulator"
)

func newOktaDriver(cfg Config, opts simulator.Options) (Driver, error) {
	return nil, errors.New("lifecycle: okta driver not built yet")
}
