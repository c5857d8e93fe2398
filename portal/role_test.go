package portal_test

import (
	"testing"

	"github.com/relais/relais/portal"
)

func TestRoleAtLeast(t *testing.T) {
	for _, tt := range []struct {
		r, min portal.Role
		want   bool
	}{
		{portal.RoleOwner, portal.RoleAgent, true}, {portal.RoleAgent, portal.RoleAgent, true}, {portal.RoleViewer, portal.RoleAgent, false},
		{portal.RoleAgent, portal.RoleOwner, false}, {portal.RoleViewer, portal.RoleViewer, true}, {"", portal.RoleViewer, false},
		{"admin", portal.RoleViewer, false},
	} {
		if got := tt.r.AtLeast(tt.min); got != tt.want {
			t.Errorf("%q.AtLeast(%q) = %v", tt.r, tt.min, got)
		}
	}
}
