// `openimds serve --demo`: one network and one instance whose address is 127.0.0.1, so that curl from
// this machine is answered as that instance by the direct listener.

export const DEMO_NETWORK = 'demo';
export const DEMO_LISTEN = '127.0.0.1:8775';

export const DEMO_INVENTORY = `# The demo: 127.0.0.1 is the demo instance's address on the "demo" network.
networks:
  - name: demo
    id: 0d3e6f1a-1c2b-4d5e-8f90-1a2b3c4d5e6f
    cidr: 127.0.0.0/8
    gateway: null
    dhcp: false
    mtu: 1500
    dns: [127.0.0.53]
instances:
  - name: demo
    uuid: 5f0c2a1e-7b3d-4c8e-9a6f-2b1c0d9e8f7a
    hostname: demo
    project_id: 8d9c1b2a3f4e4d5c6b7a8f9e0d1c2b3a
    availability_zone: nova
    flavor: m1.small
    image_id: 3e2d1c0b-9a8f-4e7d-6c5b-4a3f2e1d0c9b
    metadata:
      purpose: demo
    keys:
      - name: demo
        type: ssh
        public_key: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIGW8TIYEWMKlPRmoQByZ9zyRqbMov3S1lHUUriAzK5U demo@openimds
    security_groups: [default]
    user_data: |
      #cloud-config
      hostname: demo
      runcmd:
        - [echo, "configured by openimds"]
    ports:
      - network: demo
        ip: 127.0.0.1
        mac: fa:16:3e:00:00:01
`;

/** What the demo prints: requests to try. */
export function demoHelp(base: string): string {
  return [
    `openimds serve --demo: instance "demo" (127.0.0.1) on network "demo", answering on ${base}`,
    'Try:',
    `  curl ${base}/`,
    `  curl ${base}/openstack/latest/meta_data.json`,
    `  curl ${base}/openstack/latest/network_data.json`,
    `  curl ${base}/latest/meta-data/`,
    `  curl ${base}/latest/meta-data/public-keys/0/openssh-key`,
    `  curl ${base}/latest/user-data`,
    `  TOKEN=$(curl -sX PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' ${base}/latest/api/token)`,
    `  curl -H "X-aws-ec2-metadata-token: $TOKEN" ${base}/latest/meta-data/instance-id`,
    '',
  ].join('\n');
}
