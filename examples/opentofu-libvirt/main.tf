# The five VMs of the reference farm (gitops/fleet.yaml) on libvirt, each enrolling itself with
# the user-data of `koji-fleet cloud-init HOST` (make-user-data.sh). Written for the rewritten
# dmacvicar/libvirt provider (0.9.x), whose resources follow libvirt's XML; 0.8.x's
# network_interface/addresses no longer exist, so the static address is cloud-init's
# network-config, matched by a MAC address this file fixes.

terraform {
  required_version = ">= 1.6"
  required_providers {
    libvirt = {
      source  = "dmacvicar/libvirt"
      version = "~> 0.9.7"
    }
  }
}

provider "libvirt" {
  uri = var.libvirt_uri
}

locals {
  # 52:54:00 is QEMU's prefix; the rest is the address's last three octets, so a MAC names
  # its host's address and two hosts never share one.
  mac = {
    for name, h in var.hosts :
    name => join(":", concat(["52", "54", "00"], [for o in slice(split(".", h.address), 1, 4) : format("%02x", tonumber(o))]))
  }
}

# The CentOS Stream 10 GenericCloud image, checked against CentOS's SHA256SUM beforehand
# (README): every VM's disk is a copy-on-write layer over it.
resource "libvirt_volume" "base" {
  name = "cs10-genericcloud-base.qcow2"
  pool = var.pool
  target = {
    format = { type = "qcow2" }
  }
  create = {
    content = { url = abspath(var.image_path) }
  }
}

resource "libvirt_volume" "root" {
  for_each = var.hosts

  name     = "${each.key}.qcow2"
  pool     = var.pool
  capacity = var.sizes[each.value.size].disk_gib * 1024 * 1024 * 1024 # cloud-init grows / to it
  target = {
    format = { type = "qcow2" }
  }
  backing_store = {
    path   = libvirt_volume.base.path
    format = { type = "qcow2" }
  }
}

# The NoCloud seed ("cidata" ISO): the host's user-data as `koji-fleet cloud-init` printed it,
# its name, and its static address on the libvirt network.
resource "libvirt_cloudinit_disk" "seed" {
  for_each = var.hosts

  name      = "${each.key}-seed"
  user_data = file("${path.module}/user-data/${each.key}.yaml")
  meta_data = yamlencode({
    instance-id    = each.key
    local-hostname = "${each.key}.${var.domain}"
  })
  network_config = yamlencode({
    version = 2
    ethernets = {
      primary = {
        match       = { macaddress = local.mac[each.key] }
        addresses   = ["${each.value.address}/${var.prefix_length}"]
        gateway4    = var.gateway
        nameservers = { addresses = [var.gateway] }
      }
    }
  })
}

resource "libvirt_volume" "seed" {
  for_each = var.hosts

  name = "${each.key}-seed.iso"
  pool = var.pool
  create = {
    content = { url = libvirt_cloudinit_disk.seed[each.key].path }
  }
}

resource "libvirt_domain" "vm" {
  for_each = var.hosts

  name        = each.key
  type        = "kvm"
  vcpu        = var.sizes[each.value.size].vcpu
  memory      = var.sizes[each.value.size].memory_mib
  memory_unit = "MiB"
  running     = true
  autostart   = true

  # CentOS Stream 10 needs x86-64-v3: give the guest the host's CPU.
  cpu = { mode = "host-passthrough" }

  os = {
    type         = "hvm"
    type_arch    = "x86_64"
    type_machine = "q35"
  }

  devices = {
    disks = [
      {
        source = {
          volume = {
            pool   = libvirt_volume.root[each.key].pool
            volume = libvirt_volume.root[each.key].name
          }
        }
        target = { dev = "vda", bus = "virtio" }
        driver = { type = "qcow2" }
      },
      {
        device = "cdrom"
        source = {
          volume = {
            pool   = libvirt_volume.seed[each.key].pool
            volume = libvirt_volume.seed[each.key].name
          }
        }
        target = { dev = "sda", bus = "sata" }
      },
    ]
    interfaces = [
      {
        type   = "network"
        model  = { type = "virtio" }
        mac    = { address = local.mac[each.key] }
        source = { network = { network = var.network } }
      },
    ]
    graphics = [
      { vnc = { auto_port = true, listen = "127.0.0.1" } },
    ]
  }
}

output "hosts" {
  description = "Each VM's static address and MAC"
  value       = { for name, h in var.hosts : name => { address = h.address, mac = local.mac[name] } }
}
