"""Static IBM Plex Sans (SIL OFL, see OFL.txt), the bundled brand's font package."""
