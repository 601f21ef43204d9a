# awsfota A/B slot choice for U-Boot (docs/boot.md). Build: mkimage -A arm64 -T script -C none -d boot.cmd boot.scr
#
# Variables (RAUC's, so a board set up for RAUC works unchanged):
#   BOOT_ORDER    slots in the order they are tried, "A B", "B A", or one slot ("B")
#   BOOT_A_LEFT   boots slot A may still start before it is passed over (0..9)
#   BOOT_B_LEFT   the same for slot B
# awsfota (the Linux side) rewrites them through libubootenv; this script only takes one attempt per
# boot, saved BEFORE the kernel starts, so a slot that never comes up runs out of attempts.

# A board whose environment has never held the variables (or was lost and is U-Boot's built-in
# default now) starts from slot A.
test -n "${BOOT_ORDER}" || setenv BOOT_ORDER "A B"
test -n "${BOOT_A_LEFT}" || setenv BOOT_A_LEFT 3
test -n "${BOOT_B_LEFT}" || setenv BOOT_B_LEFT 3

# The first slot of BOOT_ORDER with an attempt left, which it spends. When every listed slot has
# used its attempts, they all get 3 again and the first one boots: a board keeps trying its slots
# rather than stopping at the prompt. Hush locals (name=value), so none of this is saved.
awsfota_slot=
for awsfota_pass in 1 2; do
  for awsfota_try in ${BOOT_ORDER}; do
    if test -z "${awsfota_slot}"; then
      if test "${awsfota_try}" = "A" && test ${BOOT_A_LEFT} -gt 0; then
        setexpr BOOT_A_LEFT ${BOOT_A_LEFT} - 1
        awsfota_slot=A
      elif test "${awsfota_try}" = "B" && test ${BOOT_B_LEFT} -gt 0; then
        setexpr BOOT_B_LEFT ${BOOT_B_LEFT} - 1
        awsfota_slot=B
      fi
    fi
  done
  if test -z "${awsfota_slot}" && test "${awsfota_pass}" = "1"; then
    echo "awsfota: no slot in BOOT_ORDER=\"${BOOT_ORDER}\" has attempts left; giving each 3 again"
    for awsfota_try in ${BOOT_ORDER}; do
      if test "${awsfota_try}" = "A"; then setenv BOOT_A_LEFT 3; fi
      if test "${awsfota_try}" = "B"; then setenv BOOT_B_LEFT 3; fi
    done
  fi
done
if test -z "${awsfota_slot}"; then
  echo "awsfota: BOOT_ORDER=\"${BOOT_ORDER}\" names no slot A or B; starting slot A"
  setenv BOOT_ORDER "A B"
  setenv BOOT_A_LEFT 2
  awsfota_slot=A
fi
echo "awsfota: starting slot ${awsfota_slot} (BOOT_ORDER=\"${BOOT_ORDER}\" A_LEFT=${BOOT_A_LEFT} B_LEFT=${BOOT_B_LEFT})"
saveenv

# ==== boot the chosen slot: board specific, adapt below this line ====
# Slot A's root filesystem is partition ${awsfota_part_A} (default 2) of the device this script was
# loaded from, slot B's ${awsfota_part_B} (default 3); each holds its kernel at /boot/Image.
test -n "${awsfota_part_A}" || awsfota_part_A=2
test -n "${awsfota_part_B}" || awsfota_part_B=3
test -n "${awsfota_root_prefix}" || awsfota_root_prefix=/dev/mmcblk0p
if test "${awsfota_slot}" = "A"; then awsfota_part=${awsfota_part_A}; else awsfota_part=${awsfota_part_B}; fi
setenv bootargs "${bootargs} root=${awsfota_root_prefix}${awsfota_part} rootwait rauc.slot=${awsfota_slot}"
load ${devtype} ${devnum}:${awsfota_part} ${kernel_addr_r} /boot/Image
booti ${kernel_addr_r} - ${fdtcontroladdr}
echo "awsfota: slot ${awsfota_slot} did not boot; resetting (its attempt is spent)"
reset
