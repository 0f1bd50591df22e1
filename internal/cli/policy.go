package cli

import (
	"github.com/spf13/cobra"
)

func newPolicyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Inspect the import policy scans decide by",
	}
	var file string
	show := &cobra.Command{
		Use:   "show",
		Short: "Print the effective policy (built-in, extended by --policy FILE)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pol, err := loadPolicy(file)
			if err != nil {
				return err
			}
			_, err = pol.WriteTo(cmd.OutOrStdout())
			return err
		},
	}
	show.Flags().StringVar(&file, "policy", "", "policy FILE extending the built-in policy")
	cmd.AddCommand(show)
	return cmd
}
