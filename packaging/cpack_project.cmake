# Read by cpack before it packages (CPACK_PROJECT_CONFIG_FILE). Without a package summary, CPackDeb
# takes the first line of each component's description as that package's synopsis, instead of
# putting the project's one-line description in front of all four.
unset(CPACK_PACKAGE_DESCRIPTION_SUMMARY)
