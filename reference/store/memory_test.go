package store_test

import (
	"testing"

	"github.com/scimtest/scimtest/reference/store"
	"github.com/scimtest/scimtest/reference/store/storetest"
)

func TestMemory(t *testing.T) {
	storetest.Run(t, func() store.Store { return store.NewMemory() })
}
