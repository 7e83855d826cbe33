# The farm itself is in hosts.auto.tfvars.json (tofu loads it by itself); it must say what
# gitops/fleet.yaml says (test/opentofu-example.test.ts compares the two).

variable "domain" {
  description = "fleet.domain of fleet.yaml: a VM's FQDN is NAME.DOMAIN"
  type        = string
}

variable "gateway" {
  description = "The libvirt network's own address: the VMs' gateway and DNS server"
  type        = string
}

variable "prefix_length" {
  description = "Prefix length of the libvirt network (default: 192.168.122.0/24)"
  type        = number
  default     = 24
}

variable "hosts" {
  description = "One VM per fleet.yaml host: its static address and its size (a key of sizes)"
  type = map(object({
    address = string
    size    = string
  }))
}

variable "sizes" {
  description = "VM sizes by role: vCPUs, memory in MiB, root disk in GiB (thin, qcow2)"
  type = map(object({
    vcpu       = number
    memory_mib = number
    disk_gib   = number
  }))
}

variable "image_path" {
  description = "The CentOS Stream 10 GenericCloud qcow2, downloaded and checked beforehand (README)"
  type        = string
  default     = "CentOS-Stream-GenericCloud-10-latest.x86_64.qcow2"
}

variable "pool" {
  description = "The libvirt storage pool for the base image, the VMs' disks and their seed ISOs"
  type        = string
  default     = "default"
}

variable "network" {
  description = "The libvirt network the VMs join"
  type        = string
  default     = "default"
}

variable "libvirt_uri" {
  description = "Where libvirtd is"
  type        = string
  default     = "qemu:///system"
}
